package io.sluice.slots;

import java.time.Duration;

/** Why a holder lost its lease, and how late in the lease it happened. */
public record LeaseLoss(Reason reason, String leaseId, Duration heldFor, String detail) {

    public enum Reason {
        /** Redis says the lease is gone and the pool had no room to re-admit it. */
        REVOKED,
        /**
         * No renewal succeeded before the holder-side deadline (Redis down or too slow). Nothing is
         * released: the lease lapses in Redis at its expiry.
         */
        DEADLINE_PASSED,
        /** The pool client was closed while the lease was held. */
        CLOSED
    }
}
