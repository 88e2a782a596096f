package io.sluice.slots;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;

/**
 * A fleet-wide counting semaphore with leases: at most {@code limit} live leases exist at any
 * moment, whatever crashes, restarts or clock skew. Waiters are served first come, first served
 * across every client of the pool, and are woken by a direct hand-off when a slot frees up.
 *
 * <p>Refusal is a value ({@link Acquisition.Refused}), not an exception. A Redis error or timeout
 * is {@link Acquisition.Failed}: callers fail closed and run nothing. Held leases are renewed
 * by the pool until released; {@link Lease#lost()} tells the holder when it can no longer be sure.
 */
public interface SlotPool extends AutoCloseable {
    /**
     * A {@code maxWait} that never runs out: the ticket keeps its place for as long as this client
     * is alive (its heartbeat keeps its tickets valid), until granted, cancelled or the pool closes.
     */
    Duration UNTIL_GRANTED = ChronoUnit.FOREVER.getDuration();

    /**
     * Takes a slot for {@code owner}. With {@code maxWait} zero it tries once; otherwise it
     * queues a FIFO ticket and completes when the pool hands this ticket a slot, with
     * {@link Acquisition.Refused} once {@code maxWait} has passed ({@link #UNTIL_GRANTED}: never), or with {@link Acquisition.Failed}.
     * The future never completes exceptionally. Cancelling it withdraws the ticket (and gives
     * back a slot that was granted meanwhile). Like Lettuce's own futures, it completes on the
     * Redis I/O thread: chain blocking work with the {@code *Async} variants or an executor.
     */
    CompletableFuture<Acquisition> acquire(String owner, Duration maxWait);

    /**
     * Tells the pool what the downstream answered a query that held a slot: with
     * {@code slots.adaptive} the fleet's answers move the live limit (docs/SLOTS.md "Adaptive
     * limit"); otherwise ignored. Cheap and non-blocking: counted here, reported once per step.
     */
    default void observe(Feedback feedback) {
    }

    /**
     * {@link #acquire} in a class of the pool's declaration (docs/SLOTS.md, "Declared pools and classes"):
     * the lease's owner carries the class as the prefix {@code @CLASS/}. Null: the pool's first class.
     */
    default CompletableFuture<Acquisition> acquire(String owner, String slotClass, Duration maxWait) {
        return acquire(classedOwner(slotClass, owner), maxWait);
    }

    /** The owner as the scripts read its class; {@code owner} itself when {@code slotClass} is null. */
    static String classedOwner(String slotClass, String owner) {
        if (slotClass == null) {
            return owner;
        }
        if (!slotClass.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("slot class '" + slotClass + "' must be letters, digits, '_', '.' or '-'");
        }
        return "@" + slotClass + "/" + owner;
    }

    /** {@link #acquire(String, String, Duration)} for callers on a (virtual) thread that may block. */
    default Acquisition acquireBlocking(String owner, String slotClass, Duration timeout) {
        return acquireBlocking(classedOwner(slotClass, owner), timeout);
    }

    /** {@link #acquire} for callers on a (virtual) thread that may block. */
    default Acquisition acquireBlocking(String owner, Duration timeout) {
        CompletableFuture<Acquisition> pending = acquire(owner, timeout);
        try {
            return pending.join();
        } catch (java.util.concurrent.CancellationException e) {
            return new Acquisition.Failed(e);
        } finally {
            if (Thread.currentThread().isInterrupted()) {
                pending.cancel(false);
            }
        }
    }

    /**
     * Gives the slot back (the next waiter gets it in the same Redis round trip) and stops
     * renewing it. Completes when Redis answered; completes exceptionally only with a
     * {@link SlotPoolException} when Redis could not be reached (the lease then expires on its own).
     * Call it only when the downstream is done with the lease's query (it answered, or its time
     * limit has passed); otherwise {@link #releaseAfter}. A lease that was lost ({@link Lease#lost()}) is
     * not released: nothing is sent, it lapses in Redis on its own.
     */
    CompletableFuture<Void> release(Lease lease);

    /**
     * Gives the slot back once {@code after} has passed, renewing the lease until then: for a query the
     * holder stopped waiting for (a client timeout, a cancel) that the downstream may still be running.
     * A zero or negative {@code after} is {@link #release(Lease)}. If the lease is lost meanwhile, nothing is
     * released: it lapses in Redis on its own. Completes when the slot was given back (or lapsed).
     */
    CompletableFuture<Void> releaseAfter(Lease lease, Duration after);

    /** A snapshot of the whole pool, read from Redis. Throws {@link SlotPoolException} when Redis fails. */
    PoolStatus status();

    /**
     * Changes the live limit for every client of the pool. Lowering revokes nothing: it only
     * stops grants until fewer than {@code limit} leases are live. Raising hands the new slots to
     * waiters at once. Returns the previous limit (or the configured one if none was stored yet).
     */
    int setLimit(int limit);

    /** Deletes expired leases and dead clients now and serves waiters; returns the number of leases reaped. */
    int reap();

    /** Leases this client holds right now for running work (not those kept for abandoned queries). */
    int held();

    /**
     * Releases this client's leases, withdraws its tickets, closes its connections. Leases handed to
     * {@link #releaseAfter} are not released before their time: each is renewed once more and left to
     * lapse in Redis.
     */
    @Override
    void close();
}
