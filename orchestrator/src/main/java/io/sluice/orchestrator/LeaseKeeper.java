package io.sluice.orchestrator;

import io.sluice.ledger.RunHeldException;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Keeps a run's ownership lease and says when the run may send: only while the lease is proven ours.
 *
 * <p>It renews every third of the ttl on its own thread. The lease counts as held for two thirds of
 * the ttl after the start of the last successful renewal, and not at all once a Redis command failed
 * (a renewal here, or a ledger write reported with {@link #doubt}) until a renewal succeeds again:
 * Redis that restarted empty may already have let another orchestrator claim the run. While in doubt
 * it retries every {@link #RETRY}, and then:
 * <ul>
 *   <li>the lease is still ours: held again;</li>
 *   <li>nobody holds the run, and less than a ttl has passed since the last proof, so the lease cannot
 *       have expired and can only have vanished with Redis data: it takes the run again
 *       ({@link RunLedger#reclaim}, a higher token) and raises {@link #takeReclaimed()} so the run
 *       rebuilds its ledger;</li>
 *   <li>another orchestrator holds the run, or a whole ttl passed without a proof: lost for good.</li>
 * </ul>
 * On close it releases the lease.
 */
final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    static final Duration RETRY = Duration.ofMillis(200);
    private final RunLedger ledger;
    private final Runnable onLost;
    private final long ttlNanos;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile RunLease lease;
    private volatile long provenAtNanos;
    private volatile boolean doubt;
    private final AtomicBoolean reclaimed = new AtomicBoolean();
    private volatile String lostReason;
    private volatile boolean closed;
    private long doubtSinceNanos;

    LeaseKeeper(RunLedger ledger, RunLease lease, Runnable onLost) {
        this.ledger = ledger;
        this.lease = lease;
        this.onLost = onLost;
        this.ttlNanos = lease.ttl().toNanos();
        this.provenAtNanos = System.nanoTime();
        this.thread = Thread.ofVirtual().name("sluice-run-lease").start(this::loop);
    }

    /** The lease to write with (its token changes when the run was taken again after a Redis data loss). */
    RunLease lease() {
        return lease;
    }

    /** True while the lease is proven ours. */
    boolean held() {
        return lostReason == null && !doubt && System.nanoTime() - provenAtNanos < ttlNanos * 2 / 3;
    }

    /** True once the lease is surely not ours any more: the run must end. */
    boolean lost() {
        return lostReason != null;
    }

    /** Why the lease was lost, or null. */
    String lostReason() {
        return lostReason;
    }

    /** A Redis command failed (a ledger write): send nothing until a renewal proves the lease again. */
    void doubt(String why) {
        lock.lock();
        try {
            if (!doubt) {
                doubt = true;
                doubtSinceNanos = System.nanoTime();
                LOG.warn("run {}: holding: the run lease cannot be proven ours ({}); retrying every {}, for at most"
                        + " orchestrator.lease-ttl {} since it was last proven", lease.runId(), why, RETRY.toMillis() + "ms", lease.ttl());
            }
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(thread);
    }

    /** True once after the lease was taken again on a Redis that lost it: the run must rebuild its ledger. */
    boolean takeReclaimed() {
        return reclaimed.getAndSet(false);
    }

    /**
     * Waits until the lease is held (true), or lost or {@code stop} says so (false). Checks {@code stop}
     * at least every {@link #RETRY}.
     */
    boolean awaitHeld(BooleanSupplier stop) throws InterruptedException {
        lock.lock();
        try {
            while (!held()) {
                if (lost() || stop.getAsBoolean()) {
                    return false;
                }
                changed.await(RETRY.toNanos(), TimeUnit.NANOSECONDS);
            }
            return !stop.getAsBoolean();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (!closed && !lost()) {
            long period = doubt || System.nanoTime() - provenAtNanos >= ttlNanos * 2 / 3 ? RETRY.toNanos() : ttlNanos / 3;
            LockSupport.parkNanos(period);
            if (closed) {
                return;
            }
            prove();
        }
        if (lost() && !closed) {
            onLost.run();
        }
    }

    /** One renewal attempt, with what follows from its answer. */
    private void prove() {
        long start = System.nanoTime();
        RunLease current = lease;
        try {
            if (ledger.renew(current)) {
                proven(start, current, false);
                return;
            }
            // A tenth of the ttl spare: Redis' clock may run a little faster than ours.
            if (System.nanoTime() - provenAtNanos >= ttlNanos * 9 / 10) {
                lose("the run lease (token " + current.token() + ") was not proven for orchestrator.lease-ttl " + current.ttl()
                        + " and is gone; rerun with --run-id " + current.runId() + " to resume");
                return;
            }
            // Less than a ttl since the last proof: the lease cannot have expired, Redis lost it.
            RunLease next = ledger.reclaim(current);
            LOG.warn("run {}: the run lease vanished from Redis within its ttl (Redis lost data); took the run again"
                    + " with token {} (was {}) and rebuilding its ledger", current.runId(), next.token(), current.token());
            proven(start, next, !next.equals(current));
        } catch (RunHeldException e) {
            lose("another orchestrator holds the run: " + e.holder().name() + " (token " + e.holder().token() + ")");
        } catch (RuntimeException e) {
            lock.lock();
            try {
                if (!doubt) {
                    doubt = true;
                    doubtSinceNanos = start;
                    LOG.warn("run {}: holding: could not renew the run lease ({}); retrying every {} for at most"
                            + " orchestrator.lease-ttl {} since it was last proven", current.runId(), e.getMessage(),
                            RETRY.toMillis() + "ms", current.ttl());
                }
            } finally {
                lock.unlock();
            }
            if (System.nanoTime() - provenAtNanos >= ttlNanos) {
                lose("Redis did not answer for orchestrator.lease-ttl " + current.ttl()
                        + ", so the run lease may have expired (last error: " + e.getMessage() + ")");
            }
        }
    }

    private void proven(long at, RunLease next, boolean wasReclaimed) {
        lock.lock();
        try {
            if (wasReclaimed) {
                lease = next;
                reclaimed.set(true);
            }
            provenAtNanos = at;
            if (doubt && at - doubtSinceNanos < 0) {
                return;   // this renewal began before the failure that raised the doubt: it proves nothing after it
            }
            if (doubt) {
                LOG.info("run {}: the run lease is proven ours again (token {}) after {} ms; publishing resumes",
                        next.runId(), next.token(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - doubtSinceNanos));
            }
            doubt = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void lose(String why) {
        lock.lock();
        try {
            if (lostReason == null) {
                lostReason = why;
                LOG.error("run {}: {}", lease.runId(), why);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            if (!lost()) {
                ledger.release(lease);
            }
        } catch (RuntimeException e) {
            LOG.warn("run {}: could not release the run lease (it expires in {}): {}", lease.runId(), lease.ttl(), e.getMessage());
        }
    }
}
