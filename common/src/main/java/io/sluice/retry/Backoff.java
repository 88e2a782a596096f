package io.sluice.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before the next attempt, as a value rather than sleeps spread through the code, so
 * that a retry schedule can be configured, compared and tested without waiting (after Lettuce's
 * {@code Delay}). The random source is a parameter so that tests can seed it and callers can share one.
 */
public sealed interface Backoff permits Backoff.Exponential, Backoff.FullJitter {

    /**
     * @param attempt how many attempts have failed so far, from 1; the answer is the wait before attempt + 1
     * @param rng     consulted only by jittered policies
     */
    Duration delay(int attempt, RandomGenerator rng);

    /** {@code initial × 2^(attempt-1)}, capped at {@code max}: predictable, but synchronized across clients. */
    static Exponential exponential(Duration initial, Duration max) {
        return new Exponential(initial, max);
    }

    /**
     * Uniform in {@code [0, exponential(attempt)]}: many workers failing together (say, on one 429 burst)
     * spread their retries instead of returning in lock step.
     */
    static FullJitter exponentialWithFullJitter(Duration initial, Duration max) {
        return new FullJitter(new Exponential(initial, max));
    }

    /** Capped doubling. */
    record Exponential(Duration initial, Duration max) implements Backoff {
        public Exponential {
            Objects.requireNonNull(initial, "initial back-off");
            Objects.requireNonNull(max, "max back-off");
            if (initial.isNegative() || initial.isZero()) {
                throw new IllegalArgumentException("initial back-off must be positive, got " + initial);
            }
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max back-off " + max + " must be at least the initial back-off " + initial);
            }
            try {
                max.toNanos();   // everything below is computed in nanoseconds
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("max back-off " + max + " is too long; at most " + Duration.ofNanos(Long.MAX_VALUE), e);
            }
        }

        @Override
        public Duration delay(int attempt, RandomGenerator rng) {
            return Duration.ofNanos(nanos(attempt));
        }

        long nanos(int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
            }
            long initialNanos = initial.toNanos();
            long maxNanos = max.toNanos();
            int doublings = attempt - 1;
            // Compare before shifting: a shift of 63 or more, or one that passes max, would overflow or wrap.
            if (doublings >= Long.SIZE - 1 || initialNanos > (maxNanos >> doublings)) {
                return maxNanos;
            }
            return Math.min(initialNanos << doublings, maxNanos);
        }
    }

    /** Full jitter over a capped doubling. */
    record FullJitter(Exponential base) implements Backoff {
        public FullJitter {
            Objects.requireNonNull(base, "base back-off");
        }

        @Override
        public Duration delay(int attempt, RandomGenerator rng) {
            long cap = base.nanos(attempt);
            // nextLong(bound) excludes bound; include the cap itself unless that would overflow.
            long nanos = cap == Long.MAX_VALUE ? rng.nextLong(cap) : rng.nextLong(cap + 1);
            return Duration.ofNanos(nanos);
        }
    }
}
