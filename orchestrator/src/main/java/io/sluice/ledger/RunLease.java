package io.sluice.ledger;

import java.time.Duration;

/**
 * Ownership of one run: {@code token} is the fencing token (it grows with every claim), {@code holder}
 * a human-readable name (host, pid) shown to a refused second publisher.
 */
public record RunLease(String runId, long token, String holder, Duration ttl) {

    /** The value stored in the lease key; a write checks it whole, so a reused token after a data loss still fails. */
    public String value() {
        return token + " " + holder;
    }

    /** Who holds a run now, and for how much longer unless renewed. */
    public record Holder(String name, long token, Duration remaining) {
    }
}
