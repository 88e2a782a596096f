package io.sluice.slots;

import java.time.Duration;
import java.util.List;

/** A snapshot of a pool as Redis holds it: {@code inUse} counts live leases only. */
public record PoolStatus(String pool, int limit, int inUse, int waiters, List<LeaseInfo> leases) {

    public PoolStatus {
        leases = List.copyOf(leases);
    }

    /** One live lease: who holds it, from which pool client, for how long, and how long it has left. */
    public record LeaseInfo(String leaseId, String owner, String clientId, Duration age, Duration expiresIn) {}
}
