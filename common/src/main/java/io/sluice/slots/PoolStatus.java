package io.sluice.slots;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a pool as Redis holds it: {@code inUse} counts live leases only. {@code epoch}
 * is the pool's identity (new whenever its state was rebuilt after a loss), {@code maxLeaseTtl}
 * the longest lease TTL any client registered, {@code fencedFor} how long no new grant is made
 * yet (zero when not fenced). {@code lastStep} is the adaptive limit's last step, when the pool has
 * stepped ({@code slots.adaptive} on some client). {@code abandoned} counts the live leases (among
 * {@code inUse}) kept for queries their holders stopped waiting for, which the downstream may still run.
 */
public record PoolStatus(String pool, int limit, int inUse, int waiters, List<LeaseInfo> leases, String epoch,
                         Duration maxLeaseTtl, Duration fencedFor, Optional<AdaptiveStep> lastStep, int abandoned) {

    public PoolStatus {
        leases = List.copyOf(leases);
    }

    /** A snapshot with no lease kept for an abandoned query. */
    public PoolStatus(String pool, int limit, int inUse, int waiters, List<LeaseInfo> leases, String epoch,
                      Duration maxLeaseTtl, Duration fencedFor, Optional<AdaptiveStep> lastStep) {
        this(pool, limit, inUse, waiters, leases, epoch, maxLeaseTtl, fencedFor, lastStep, 0);
    }

    public boolean fenced() {
        return !fencedFor.isZero();
    }

    /**
     * The adaptive limit's last step: how long ago, the limit before and after, why (refused, others
     * took more, room, room near a back-off, room with a few refused, probing, hold; "(at min)" or
     * "(at max)" when a bound stopped it), what the downstream's numbers said was left for us (-1:
     * no numbers), and the answers of the window it judged (fleet-wide).
     */
    public record AdaptiveStep(Duration ago, int from, int to, String why, int left, long ok, long rateLimited) {}

    /** One live lease: who holds it, from which pool client, since its request (age), and how long it has left. */
    public record LeaseInfo(String leaseId, String owner, String clientId, Duration age, Duration expiresIn) {}
}
