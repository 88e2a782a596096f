package io.sluice.slots.internal;

import io.sluice.slots.Lease;
import io.sluice.slots.LeaseLoss;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases this client holds: renewal while held, the holder-side deadline watchdog, loss, and
 * release. A renewal tells {@code renew.lua} the expiry the holder last learnt, so that a lease
 * that went missing or back in time fences the pool (docs/SLOTS.md, "Fencing").
 *
 * <p>A lease given back with a delay ({@link #releaseAfter}) moves to {@code retiring}: the
 * downstream may still run its query, so it keeps renewing (each renewal marks it abandoned in
 * Redis) until its time has passed, and is then released. Holder-side loss never releases a lease:
 * the query under it may still run, and the lease lapses in Redis at its expiry, which the rule
 * {@code slots.lease-ttl >= downstream.max-query-time} puts after that query's end (docs/SLOTS.md,
 * "The cap at the downstream").
 */
final class Holdings {
    private static final Logger log = LoggerFactory.getLogger(Holdings.class);
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Longer delays than this are cut to it (the scheduler's nanos would overflow). */
    private static final Duration MAX_DELAY = Duration.ofDays(365);

    private final PoolContext ctx;
    private final Map<String, HeldLease> held;
    /** Leases held for queries their holder stopped waiting for, until their release time. */
    private final Map<String, HeldLease> retiring;
    private final Releases releases;
    /**
     * Leases lost a moment ago: they lapse in Redis on their own, a late duplicate grant message must
     * not release them ({@link #holds}), nor must the holder's own release. Each forgotten after two TTLs.
     */
    private final Set<String> lapsing = ConcurrentHashMap.newKeySet();

    Holdings(PoolContext ctx, Map<String, HeldLease> held, Map<String, HeldLease> retiring, Releases releases) {
        this.ctx = ctx;
        this.held = held;
        this.retiring = retiring;
        this.releases = releases;
    }

    /**
     * True for a lease this client holds, keeps for an abandoned query, or lost a moment ago: a late
     * duplicate of its grant message must not release it (Acquirer gives back grants nobody holds).
     */
    boolean holds(String leaseId) {
        return held.containsKey(leaseId) || retiring.containsKey(leaseId) || lapsing.contains(leaseId);
    }

    int size() {
        return held.size();
    }

    /** Renews every held and retiring lease now (after a reconnect: Redis may have lost them). */
    void renewAll() {
        held.values().forEach(this::renew);
        retiring.values().forEach(this::renew);
    }

    /**
     * Ends every held lease as CLOSED and releases it. A retiring lease is not released before its
     * time: it is renewed once more (its expiry becomes now + TTL) and left to lapse. Returns the
     * commands' futures.
     */
    List<CompletableFuture<Void>> closeAll() {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (HeldLease lease : List.copyOf(held.values())) {
            lose(lease, LeaseLoss.Reason.CLOSED, "the slot pool client was closed");
            sent.add(releases.release(lease.id()).exceptionally(e -> null));
        }
        for (HeldLease lease : List.copyOf(retiring.values())) {
            synchronized (lease) {
                if (!lease.end()) {
                    continue;
                }
                retiring.remove(lease.id());
                sent.add(ctx.run(Script.RENEW, ctx.renewKeys, lease.id(), ctx.ttlMs, ctx.caller(),
                        Long.toString(lease.expiresAt().toEpochMilli()), "1").handle((r, e) -> {
                            lease.retired.complete(null);   // it lapses on its own
                            return null;
                        }));
            }
        }
        return sent;
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
                    Long.toString(lease.expiresAt().toEpochMilli()), lease.retiring ? "1" : "0");
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
            ctx.state.generation(r.get(3));
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
        if (lease.retiring) {
            // Nobody waits on it any more; it lapses in Redis at its expiry.
            retiring.remove(lease.id());
            log.warn("slot pool {}: retiring lease {} ({}): {}; left to lapse in Redis", ctx.config.pool(), lease.id(), reason, detail);
            lease.retired.complete(null);
            return;
        }
        // No release, whatever the reason: the query under it may still run at the downstream. The lease is marked
        // lapsing before it leaves `held` and before anyone hears of the loss, so a release() from the holder (which
        // may run the moment the loss completes) finds it lapsing and sends nothing, never a release to Redis.
        if (reason != LeaseLoss.Reason.CLOSED && lapsing.add(lease.id())) {
            try {
                ctx.scheduler.schedule(() -> lapsing.remove(lease.id()), 2 * ctx.config.leaseTtl().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                lapsing.remove(lease.id());
            }
        }
        held.remove(lease.id());
        if (reason != LeaseLoss.Reason.CLOSED) {
            ctx.metrics.lost();
            log.warn("slot pool {}: lost lease {} ({}): {}", ctx.config.pool(), lease.id(), reason, detail);
        }
        LeaseLoss loss = new LeaseLoss(reason, lease.id(), Duration.ofNanos(ctx.clock.now() - lease.grantedNanos()), detail);
        ctx.completions.execute(() -> lease.lostFuture().complete(loss));
    }

    /** Gives back a lease nobody will use (the waiter or caller went away first). */
    void abandon(HeldLease lease) {
        synchronized (lease) {
            lease.end();
            held.remove(lease.id());
            releases.release(lease.id());
        }
    }

    /**
     * Keeps {@code lease} (renewed, marked abandoned) until {@code after} has passed, then releases
     * it. A lease this client no longer holds (lost, released) is left alone: it lapses on its own.
     */
    CompletableFuture<Void> releaseAfter(Lease lease, Duration after) {
        Objects.requireNonNull(lease, "lease");
        if (after.isZero() || after.isNegative()) {
            return release(lease);
        }
        HeldLease mine = held.get(lease.id());
        if (mine == null) {
            HeldLease already = retiring.get(lease.id());
            return already != null ? already.retired : CompletableFuture.completedFuture(null);
        }
        synchronized (mine) {
            if (!mine.active.get() || mine.retiring || !held.remove(mine.id(), mine)) {
                return mine.retiring ? mine.retired : CompletableFuture.completedFuture(null);
            }
            mine.retiring = true;
            retiring.put(mine.id(), mine);
            long nanos = after.compareTo(MAX_DELAY) > 0 ? MAX_DELAY.toNanos() : after.toNanos();
            try {
                mine.retireTimer = ctx.scheduler.schedule(() -> retire(mine), nanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // close() is under way and missed it: it lapses in Redis (its expiry is after the query's limit).
                mine.end();
                retiring.remove(mine.id());
                mine.retired.complete(null);
                return mine.retired;
            }
            if (mine.renewal != null) {
                mine.renewal.cancel(false);
            }
        }
        renew(mine);   // marks it abandoned in Redis at once, and restarts the renewal period
        return mine.retired;
    }

    /** A retiring lease's time has passed: the downstream is done with its query; give it back. */
    private void retire(HeldLease lease) {
        synchronized (lease) {
            if (!lease.end()) {
                return;
            }
        }
        retiring.remove(lease.id());
        releases.releaseRetired(lease.id()).whenComplete((x, error) -> {
            if (error == null) {
                lease.retired.complete(null);
            } else {
                lease.retired.completeExceptionally(error);
            }
        });
    }

    CompletableFuture<Void> release(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        HeldLease mine = held.remove(lease.id());
        if (mine == null) {
            HeldLease retired = retiring.get(lease.id());
            if (retired != null) {
                retire(retired);   // the holder says its query is done after all
                return retired.retired;
            }
            if (lapsing.contains(lease.id())) {
                // Lost: its holder could not vouch for it, so neither can this call; it lapses in Redis.
                return CompletableFuture.completedFuture(null);
            }
            return releases.release(lease.id());
        }
        synchronized (mine) {
            mine.end();
            return releases.release(mine.id());
        }
    }
}
