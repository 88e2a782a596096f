package io.sluice.orchestrator;

import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.locks.LockSupport;

/**
 * Keeps a run's ownership lease: renews it every third of its ttl on its own thread, and knows
 * locally when it can no longer be sure of it (no successful renewal for two thirds of the ttl):
 * from then on the run sends nothing more. On close it releases the lease.
 */
final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    private final RunLedger ledger;
    private final RunLease lease;
    private final Runnable onLost;
    private final Thread thread;
    private volatile long sureUntilNanos;
    private volatile boolean lost;
    private volatile boolean closed;

    LeaseKeeper(RunLedger ledger, RunLease lease, Runnable onLost) {
        this.ledger = ledger;
        this.lease = lease;
        this.onLost = onLost;
        this.sureUntilNanos = System.nanoTime() + lease.ttl().toNanos() * 2 / 3;
        this.thread = Thread.ofVirtual().name("sluice-run-lease").start(this::loop);
    }

    RunLease lease() {
        return lease;
    }

    /** True while the lease is surely ours. */
    boolean held() {
        return !lost && System.nanoTime() < sureUntilNanos;
    }

    private void loop() {
        long period = lease.ttl().toNanos() / 3;
        while (!closed) {
            LockSupport.parkNanos(period);
            if (closed) {
                return;
            }
            long start = System.nanoTime();
            try {
                if (ledger.renew(lease)) {
                    sureUntilNanos = start + lease.ttl().toNanos() * 2 / 3;
                    continue;
                }
                LOG.error("run {}: the run lease (token {}) is gone: another orchestrator took over or Redis lost it",
                        lease.runId(), lease.token());
                lost = true;
            } catch (RuntimeException e) {
                LOG.warn("run {}: could not renew the run lease: {}", lease.runId(), e.getMessage());
                if (System.nanoTime() < sureUntilNanos) {
                    continue;
                }
                lost = true;
            }
            onLost.run();
            return;
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            if (!lost) {
                ledger.release(lease);
            }
        } catch (RuntimeException e) {
            LOG.warn("run {}: could not release the run lease (it expires in {}): {}", lease.runId(), lease.ttl(), e.getMessage());
        }
    }
}
