package io.sluice.slots;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of a pool as Redis holds it: {@code inUse} counts live leases only. {@code epoch}
 * is the pool's identity (new whenever its state was rebuilt after a loss), {@code maxLeaseTtl}
 * the longest lease TTL any client registered, {@code fencedFor} how long no new grant is made
 * yet (zero when not fenced).
 */
public record PoolStatus(String pool, int limit, int inUse, int waiters, List<LeaseInfo> leases, String epoch,
                         Duration maxLeaseTtl, Duration fencedFor) {

    public PoolStatus {
        leases = List.copyOf(leases);
    }

    public boolean fenced() {
        return !fencedFor.isZero();
    }

    /** One live lease: who holds it, from which pool client, since its request (age), and how long it has left. */
    public record LeaseInfo(String leaseId, String owner, String clientId, Duration age, Duration expiresIn) {}
}
