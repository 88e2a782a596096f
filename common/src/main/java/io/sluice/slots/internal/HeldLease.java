package io.sluice.slots.internal;

import io.sluice.slots.Lease;
import io.sluice.slots.LeaseLoss;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lease this client holds, with its renewal and holder-side deadline state. A retiring lease is
 * held for a query its holder stopped waiting for ({@link io.sluice.slots.SlotPool#releaseAfter}):
 * still renewed, no longer watched for the holder, given back by its retire timer.
 */
final class HeldLease implements Lease {
    private final String id;
    private final String owner;
    private final String pool;
    private final long grantedNanos;
    private final CompletableFuture<LeaseLoss> lost = new CompletableFuture<>();
    final AtomicBoolean active = new AtomicBoolean(true);
    private volatile long expiryMs;
    private volatile long deadlineNanos;
    volatile ScheduledFuture<?> renewal;
    volatile ScheduledFuture<?> watchdog;
    /** Set once, under the lease's lock, while active: held for an abandoned query from then on. */
    volatile boolean retiring;
    volatile ScheduledFuture<?> retireTimer;
    /** Completes when a retiring lease was given back or left to lapse. */
    final CompletableFuture<Void> retired = new CompletableFuture<>();

    HeldLease(String id, String owner, String pool, long grantedNanos, long expiryMs, long deadlineNanos) {
        this.id = id;
        this.owner = owner;
        this.pool = pool;
        this.grantedNanos = grantedNanos;
        this.expiryMs = expiryMs;
        this.deadlineNanos = deadlineNanos;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public String pool() {
        return pool;
    }

    @Override
    public Instant expiresAt() {
        return Instant.ofEpochMilli(expiryMs);
    }

    @Override
    public CompletableFuture<LeaseLoss> lost() {
        return lost;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    long grantedNanos() {
        return grantedNanos;
    }

    void extended(long expiryMs, long deadlineNanos) {
        this.expiryMs = expiryMs;
        this.deadlineNanos = deadlineNanos;
    }

    /** Stops renewal and the watchdog; true for the one caller that ended the lease here. */
    boolean end() {
        if (!active.compareAndSet(true, false)) {
            return false;
        }
        cancel(renewal);
        cancel(watchdog);
        cancel(retireTimer);
        return true;
    }

    CompletableFuture<LeaseLoss> lostFuture() {
        return lost;
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "Lease[" + id + " in " + pool + ", expires " + expiresAt() + "]";
    }
}
