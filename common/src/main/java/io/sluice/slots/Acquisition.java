package io.sluice.slots;

import java.time.Duration;
import java.util.Objects;

/** The outcome of {@link SlotPool#acquire}: a lease, a refusal, or a failure to reach the pool. */
public sealed interface Acquisition {

    /** The caller holds {@code lease} and must release it. */
    record Granted(Lease lease) implements Acquisition {
        public Granted {
            Objects.requireNonNull(lease, "lease");
        }
    }

    /**
     * No slot: {@code position} is how many waiters were queued (try-once) or this ticket's
     * place when it gave up (0 when unknown); retry no sooner than {@code retryAfter}.
     */
    record Refused(Reason reason, Duration retryAfter, long position) implements Acquisition {
        public enum Reason {
            /** Try-once: every slot is taken or earlier waiters come first. */
            FULL,
            /** The ticket waited {@code maxWait} without being served. */
            WAIT_TIMED_OUT
        }
    }

    /** Redis answered with an error, timed out or is unreachable: fail closed. */
    record Failed(Throwable cause) implements Acquisition {
        public Failed {
            Objects.requireNonNull(cause, "cause");
        }
    }

    default boolean isGranted() {
        return this instanceof Granted;
    }
}
