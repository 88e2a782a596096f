package io.sluice.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How many times an org's downstream query is attempted and how long to wait between attempts
 * (config {@code worker.retry}). A refusal by the slot pool is not an attempt; only downstream errors count.
 *
 * @param maxAttempts total attempts including the first, so 1 means "never retry"
 */
public record RetryPolicy(int maxAttempts, Backoff backoff) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("worker.retry.max-attempts must be at least 1, got " + maxAttempts);
        }
        Objects.requireNonNull(backoff, "worker.retry back-off");
    }

    /** @param attempts attempts made so far, all of them failed */
    public boolean exhausted(int attempts) {
        return attempts >= maxAttempts;
    }

    /** The wait before the next attempt after {@code attempts} failed ones. */
    public Duration delayAfter(int attempts, RandomGenerator rng) {
        return backoff.delay(attempts, rng);
    }
}
