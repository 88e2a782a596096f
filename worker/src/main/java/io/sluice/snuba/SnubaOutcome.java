package io.sluice.snuba;

import java.time.Duration;
import java.util.Objects;

/**
 * What one query came to. A value rather than an exception, because the worker decides per kind:
 * retry with back-off ({@link RateLimited}, {@link Failed}), dead-letter as rejected ({@link Rejected}),
 * or hand the answer to the job ({@link Ok}).
 */
public sealed interface SnubaOutcome {

    /** Whether trying the same query again later may succeed. */
    default boolean retryable() {
        return this instanceof RateLimited || this instanceof Failed;
    }

    /** A 2xx: its body, for the job to read. */
    record Ok(byte[] body, Duration latency) implements SnubaOutcome {
        public Ok {
            Objects.requireNonNull(body, "body");
        }
    }

    /** A 429: Snuba's per-referrer concurrency limit was exceeded; the slot pool should make this rare. */
    record RateLimited(String message) implements SnubaOutcome {
    }

    /** Any other 4xx, such as 400 {@code invalid_query}: the same query would be refused again. */
    record Rejected(int status, String type, String message) implements SnubaOutcome {
    }

    /**
     * 5xx, timeouts (error starts with {@value #TIMEOUT}), connection errors, and 2xx answers the job could not read.
     *
     * @param status the HTTP status when there was one, else null
     */
    record Failed(String error, Integer status) implements SnubaOutcome {
        public static final String TIMEOUT = "timeout";

        public boolean timedOut() {
            return error.startsWith(TIMEOUT);
        }
    }
}
