package io.sluice.slots.internal;

import io.sluice.slots.Lease;
import io.sluice.slots.LeaseLoss;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases this client holds: renewal while held, the holder-side deadline watchdog, loss, and
 * release. A renewal tells {@code renew.lua} the expiry the holder last learnt, so that a lease
 * that went missing or back in time fences the pool (docs/SLOTS.md, "Fencing").
 */
final class Holdings {
    private static final Logger log = LoggerFactory.getLogger(Holdings.class);
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final PoolContext ctx;
    private final Map<String, HeldLease> held;
    private final Releases releases;

    Holdings(PoolContext ctx, Map<String, HeldLease> held, Releases releases) {
        this.ctx = ctx;
        this.held = held;
        this.releases = releases;
    }

    boolean holds(String leaseId) {
        return held.containsKey(leaseId);
    }

    int size() {
        return held.size();
    }

    /** Renews every held lease now (after a reconnect: Redis may have lost them). */
    void renewAll() {
        held.values().forEach(this::renew);
    }

    /** Ends every held lease as CLOSED and releases it; returns the releases' futures. */
    List<CompletableFuture<Void>> closeAll() {
        return List.copyOf(held.values()).stream().map(lease -> {
            lose(lease, LeaseLoss.Reason.CLOSED, "the slot pool client was closed");
            return releases.release(lease.id()).exceptionally(e -> null);
        }).toList();
    }

    HeldLease hold(String owner, String leaseId, long expiryMs, long deadlineNanos) {
        HeldLease lease = new HeldLease(leaseId, owner, ctx.config.pool(), ctx.clock.now(), expiryMs, deadlineNanos);
        if (held.putIfAbsent(leaseId, lease) != null) {
            return null;
        }
        synchronized (lease) {
            // Short holds (the common case) end before their first renewal: one timer per grant.
            // The watchdog is armed while a renewal is outstanding, or now if the deadline comes first.
            lease.renewal = ctx.scheduler.schedule(() -> renew(lease), ctx.config.renewEvery().toNanos(), TimeUnit.NANOSECONDS);
            if (ctx.clock.nanosUntil(deadlineNanos) <= ctx.config.renewEvery().toNanos()) {
                armWatchdog(lease);
            }
        }
        return lease;
    }

    void renew(HeldLease lease) {
        long sent;
        CompletableFuture<List<Object>> reply;
        synchronized (lease) {
            // Under the lease's lock so that a release sent concurrently is ordered after this renewal.
            if (!lease.active.get()) {
                return;
            }
            sent = ctx.clock.now();
            reply = ctx.run(Script.RENEW, ctx.renewKeys, lease.id(), ctx.ttlMs, ctx.caller(),
                    Long.toString(lease.expiresAt().toEpochMilli()));
            if (lease.watchdog == null || lease.watchdog.isDone()) {
                armWatchdog(lease);
            }
        }
        reply.whenComplete((r, error) -> {
            if (!lease.active.get()) {
                return;
            }
            if (error != null) {
                long left = ctx.clock.nanosUntil(lease.deadlineNanos());
                long retry = Math.max(MIN_RETRY_NANOS, Math.min(ctx.config.renewEvery().toNanos(), left / 4));
                log.debug("slot pool {}: renewing {} failed, retrying in {} ms: {}", ctx.config.pool(), lease.id(),
                        retry / 1_000_000, SlotScripts.unwrap(error).toString());
                scheduleRenewal(lease, retry);
                return;
            }
            long code = (Long) r.get(0);
            if (code == 0) {
                lose(lease, LeaseLoss.Reason.REVOKED, "the lease is gone from Redis and the pool had no room to re-admit it");
                return;
            }
            long expiryMs = (Long) r.get(1);
            lease.extended(expiryMs, ctx.clock.deadline(sent, (Long) r.get(2), expiryMs));
            synchronized (lease) {
                if (lease.watchdog != null) {
                    lease.watchdog.cancel(false);
                    lease.watchdog = null;
                }
            }
            if (code == 2) {
                log.info("slot pool {}: lease {} had vanished from Redis and was re-admitted", ctx.config.pool(), lease.id());
            }
            scheduleRenewal(lease, ctx.config.renewEvery().toNanos());
        });
    }

    private void scheduleRenewal(HeldLease lease, long delayNanos) {
        synchronized (lease) {
            if (lease.active.get() && !ctx.scheduler.isShutdown()) {
                lease.renewal = ctx.scheduler.schedule(() -> renew(lease), delayNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Fires at the holder-side deadline: no renewal got through in time, so stop trusting the lease. */
    private void watch(HeldLease lease) {
        if (!lease.active.get()) {
            return;
        }
        if (ctx.clock.passed(lease.deadlineNanos())) {
            lose(lease, LeaseLoss.Reason.DEADLINE_PASSED, "no renewal succeeded before the holder-side deadline");
            return;
        }
        synchronized (lease) {
            armWatchdog(lease);
        }
    }

    /** Caller holds the lease's lock. */
    private void armWatchdog(HeldLease lease) {
        if (lease.active.get() && !ctx.scheduler.isShutdown()) {
            lease.watchdog = ctx.scheduler.schedule(() -> watch(lease), ctx.clock.nanosUntil(lease.deadlineNanos()),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void lose(HeldLease lease, LeaseLoss.Reason reason, String detail) {
        boolean ended;
        synchronized (lease) {
            ended = lease.end();
        }
        if (!ended) {
            return;
        }
        held.remove(lease.id());
        if (reason != LeaseLoss.Reason.CLOSED) {
            ctx.metrics.lost();
            log.warn("slot pool {}: lost lease {} ({}): {}", ctx.config.pool(), lease.id(), reason, detail);
        }
        LeaseLoss loss = new LeaseLoss(reason, lease.id(), Duration.ofNanos(ctx.clock.now() - lease.grantedNanos()), detail);
        ctx.completions.execute(() -> lease.lostFuture().complete(loss));
        if (reason == LeaseLoss.Reason.DEADLINE_PASSED) {
            releases.release(lease.id()); // if Redis still has it, free the slot now rather than at expiry
        }
    }

    /** Gives back a lease nobody will use (the waiter or caller went away first). */
    void abandon(HeldLease lease) {
        synchronized (lease) {
            lease.end();
            held.remove(lease.id());
            releases.release(lease.id());
        }
    }

    CompletableFuture<Void> release(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        HeldLease mine = held.remove(lease.id());
        if (mine == null) {
            return releases.release(lease.id());
        }
        synchronized (mine) {
            mine.end();
            return releases.release(mine.id());
        }
    }
}
