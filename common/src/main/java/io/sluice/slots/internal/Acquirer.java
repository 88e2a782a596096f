package io.sluice.slots.internal;

import io.sluice.slots.Acquisition;
import io.sluice.slots.SlotPool;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acquiring: first arrivals batched into one {@code acquire_many} while the previous batch is in
 * flight, FIFO waiters with their fallback re-check (batched per client, {@link #recheckAll}), and
 * the hand-off messages other clients' releases publish on this client's channel. Each request has a fixed lease id (its request id):
 * a re-sent script returns the same grant, and a request whose reply failed gives back by that id.
 */
final class Acquirer {
    private static final Logger log = LoggerFactory.getLogger(Acquirer.class);
    private static final int MAX_BATCH = 128;

    /** A first acquire attempt waiting for its batch; {@code ticket} is empty for try-once. */
    private record Arrival(String base, String ticket, ArrivalHandler handler) {}

    @FunctionalInterface
    private interface ArrivalHandler {
        /** {@code result}: lease id, 0L queued, k > 0 refused; or {@code error}. */
        void handle(Object result, long sentNanos, long nowMs, long live, long limit, Throwable error);
    }

    private final PoolContext ctx;
    private final Holdings holdings;
    private final Releases releases;
    private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Batcher<Arrival> arrivals = new Batcher<>(MAX_BATCH, this::sendArrivals);
    /** When the last hand-off message came, the last fallback re-check ran, and until when to re-check at every tick. */
    private volatile long lastHandOffNanos;
    private volatile long lastRecheckNanos;
    private volatile long recheckEveryTickUntilNanos;

    Acquirer(PoolContext ctx, Holdings holdings, Releases releases) {
        this.ctx = ctx;
        this.holdings = holdings;
        this.releases = releases;
        long now = ctx.clock.now();
        this.lastHandOffNanos = now - ctx.config.fallbackWake().toNanos(); // a channel that never spoke is quiet
        this.lastRecheckNanos = now;
        this.recheckEveryTickUntilNanos = now;
    }

    /** Fails every waiter (closing): each withdraws its ticket. */
    void failAll(Throwable cause) {
        for (Waiter w : List.copyOf(waiters.values())) {
            w.future.complete(new Acquisition.Failed(cause));
        }
    }

    CompletableFuture<Acquisition> acquire(String owner, Duration maxWait) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(maxWait, "maxWait");
        if (owner.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("owner '" + owner + "' must not contain a line break");
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
        }
        long start = ctx.clock.now();
        if (ctx.closed.get()) {
            ctx.metrics.error(0);
            return CompletableFuture.completedFuture(new Acquisition.Failed(ctx.closedException()));
        }
        long n = sequence.incrementAndGet();
        String base = LeaseIds.id(owner, ctx.clientId, n, ctx.clock.redisNowMs());
        if (maxWait.isZero()) {
            return tryOnce(owner, base, start);
        }
        Waiter w = new Waiter(n, owner, base, LeaseIds.ticket(base, ctx.config.leaseTtl().toMillis()), start);
        waiters.put(n, w);
        w.future.whenComplete((outcome, error) -> onWaiterDone(w, outcome));
        if (!maxWait.equals(SlotPool.UNTIL_GRANTED)) {
            w.timeout = ctx.scheduler.schedule(() -> w.future.complete(
                    new Acquisition.Refused(Acquisition.Refused.Reason.WAIT_TIMED_OUT, ctx.config.fallbackWake(), w.position)),
                    maxWait.toNanos(), TimeUnit.NANOSECONDS);
        }
        send(w);
        return w.future;
    }

    private CompletableFuture<Acquisition> tryOnce(String owner, String base, long start) {
        CompletableFuture<Acquisition> result = new CompletableFuture<>();
        arrivals.submit(new Arrival(base, "", (r, sent, nowMs, live, limit, error) -> {
            Acquisition outcome;
            if (error != null) {
                outcome = new Acquisition.Failed(error);
                ctx.metrics.error(ctx.clock.now() - start);
                releases.giveBack(base, null); // the script may have run and granted it: give back whatever it got
            } else if (r instanceof String leaseId) {
                long expiryMs = nowMs + ctx.config.leaseTtl().toMillis();
                outcome = new Acquisition.Granted(holdings.hold(owner, leaseId, expiryMs, ctx.clock.deadline(sent, nowMs, expiryMs)));
                ctx.metrics.granted(ctx.clock.now() - start);
            } else {
                outcome = new Acquisition.Refused(Acquisition.Refused.Reason.FULL, ctx.config.fallbackWake(), (Long) r - 1);
                ctx.metrics.refused(ctx.clock.now() - start);
            }
            if (!result.complete(outcome) && outcome instanceof Acquisition.Granted g) {
                holdings.abandon((HeldLease) g.lease()); // the caller cancelled meanwhile
            }
        }));
        return result;
    }

    /** One script call for every first arrival batched meanwhile; each learns its own outcome. */
    private CompletableFuture<?> sendArrivals(List<Arrival> batch) {
        String[] args = new String[4 + 2 * batch.size()];
        args[0] = ctx.caller();
        args[1] = ctx.ttlMs;
        args[2] = ctx.channelPrefix;
        args[3] = ctx.checkReceivers;
        for (int i = 0; i < batch.size(); i++) {
            args[4 + 2 * i] = batch.get(i).base();
            args[5 + 2 * i] = batch.get(i).ticket();
        }
        long sent = ctx.clock.now();
        return ctx.run(Script.ACQUIRE_MANY, ctx.keys, args).whenComplete((reply, error) -> {
            if (error != null) {
                Throwable cause = SlotScripts.unwrap(error);
                batch.forEach(a -> a.handler().handle(null, sent, 0, 0, 0, cause));
                return;
            }
            long nowMs = (Long) reply.get(0);
            long live = (Long) reply.get(1);
            long limit = (Long) reply.get(2);
            ctx.state.generation(reply.get(reply.size() - 1));   // on the fast path too ('' when not known there)
            if (nowMs >= 0) { // else the fast path: all queued behind others, no clock or state read
                ctx.clock.observe(sent, nowMs);
                ctx.figures(limit, live);
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).handler().handle(reply.get(3 + i), sent, nowMs, live, limit, null);
            }
        });
    }

    /** Runs the acquire script for a waiter: first arrival, or its fallback re-check. */
    private void send(Waiter w) {
        if (w.queuedNanos == 0) {
            arrivals.submit(new Arrival(w.base, w.ticket, (r, sent, nowMs, live, limit, error) -> {
                if (error != null) {
                    w.future.complete(new Acquisition.Failed(error));
                } else if (r instanceof String leaseId) {
                    long expiryMs = nowMs + ctx.config.leaseTtl().toMillis();
                    grant(w, leaseId, expiryMs, ctx.clock.deadline(sent, nowMs, expiryMs));
                } else {
                    queued(w, sent, 0);
                }
            }));
            return;
        }
        recheck(w);
    }

    /** One waiter's re-check (a hand-off that came too late to trust): keeps its place, or finds its grant. */
    private void recheck(Waiter w) {
        long sent = ctx.clock.now();
        ctx.run(Script.ACQUIRE, ctx.keys, acquireArgs(w.base, w.ticket)).whenComplete((reply, error) -> {
            if (error != null) {
                w.future.complete(new Acquisition.Failed(SlotScripts.unwrap(error)));
                return;
            }
            ctx.state.generation(reply.get(reply.size() - 1));
            long code = (Long) reply.get(0);
            if (code == 1) {
                ctx.figures((Long) reply.get(5), (Long) reply.get(4));
                grant(w, (String) reply.get(1), (Long) reply.get(2), ctx.clock.deadline(sent, (Long) reply.get(3), (Long) reply.get(2)));
                return;
            }
            ctx.clock.observe(sent, (Long) reply.get(2));
            ctx.figures((Long) reply.get(4), (Long) reply.get(3));
            queued(w, sent, (Long) reply.get(1));
        });
    }

    private void queued(Waiter w, long sent, long position) {
        if (w.queuedNanos == 0) {
            w.queuedNanos = sent;
        }
        w.position = position;
    }

    /**
     * The fallback re-check, for every queued waiter of this client at once (a tick every
     * {@code slots.fallback-wake}): one {@code recheck_many} per {@value #MAX_BATCH} waiters, so a
     * client with thousands of waiters costs Redis what one with a few does. A tick re-checks only
     * when a lost hand-off is possible (see {@link #recheckDue}).
     */
    void recheckAll() {
        long now = ctx.clock.now();
        if (!recheckDue(now)) {
            return;
        }
        lastRecheckNanos = now;
        List<Waiter> queued = waiters.values().stream().filter(w -> w.queuedNanos != 0 && !w.future.isDone()).toList();
        for (int from = 0; from < queued.size(); from += MAX_BATCH) {
            recheckMany(queued.subList(from, Math.min(queued.size(), from + MAX_BATCH)));
        }
    }

    /**
     * Whether this tick re-checks. A hand-off message is lost only if this client's grant channel
     * dropped (Redis publishes to a live subscription in order, and a grant published to nobody is
     * undone), or if the ticket was dropped in Redis (its client was purged as dead, data loss). So:
     * <ul>
     * <li>the channel was quiet for a fallback-wake: re-check (a half-open subscription looks like this);
     * <li>within two fallback-wakes of a reconnect: re-check at every tick (the grants published
     *     while the channel was down were undone, their tickets are gone);
     * <li>else at least every max(fallback-wake, ticket-ttl / 3), the heartbeat's own period, for a
     *     ticket dropped in Redis while the channel worked.
     * </ul>
     * While hand-offs flow (a fleet's busy client gets several a second) this saves one
     * {@code recheck_many} per client per fallback-wake, which a 1.3 s queue wait made one per ticket.
     */
    private boolean recheckDue(long now) {
        long wake = ctx.config.fallbackWake().toNanos();
        long every = Math.max(wake, ctx.config.ticketTtl().toNanos() / 3);
        return now - lastHandOffNanos >= wake || now - recheckEveryTickUntilNanos < 0
                || now - lastRecheckNanos >= every - wake / 10; // ticks drift by a little; don't miss one by it
    }

    /** A connection of this client (re)connected: hand-offs may have been lost meanwhile. */
    void reconnected() {
        recheckEveryTickUntilNanos = ctx.clock.now() + 2 * ctx.config.fallbackWake().toNanos();
    }

    private void recheckMany(List<Waiter> batch) {
        String[] args = new String[5 + 2 * batch.size()];
        args[0] = ctx.caller();
        args[1] = ctx.channelPrefix;
        args[2] = ctx.checkReceivers;
        args[3] = ctx.clientId;
        args[4] = Long.toString(ctx.config.ticketTtl().toMillis());
        for (int i = 0; i < batch.size(); i++) {
            args[5 + 2 * i] = batch.get(i).base;
            args[6 + 2 * i] = batch.get(i).ticket;
        }
        long sent = ctx.clock.now();
        ctx.metrics.rechecked(batch.size());
        ctx.run(Script.RECHECK_MANY, ctx.keys, args).whenComplete((reply, error) -> {
            if (error != null) {
                // Redis is unreachable or cannot be trusted: fail closed. The waiters end with Failed (their
                // callers pause and report unready), each gives back whatever its request may have got.
                Throwable cause = SlotScripts.unwrap(error);
                batch.forEach(w -> w.future.complete(new Acquisition.Failed(cause)));
                return;
            }
            long nowMs = (Long) reply.get(0);
            ctx.clock.observe(sent, nowMs);
            ctx.figures((Long) reply.get(2), (Long) reply.get(1));
            ctx.state.generation(reply.get(reply.size() - 1));
            for (int i = 0; i < batch.size(); i++) {
                long r = (Long) reply.get(3 + i);
                Waiter w = batch.get(i);
                if (r > 0) {
                    grant(w, w.base, r, ctx.clock.deadline(sent, nowMs, r));
                } else if (r < 0 && w.future.isDone()) {
                    // Served between this re-check's sending and its run (granted, and maybe released by now):
                    // the script found neither ticket nor lease and queued the ticket again. Withdraw that ghost;
                    // should a release grant it first, the grant comes back unwanted and is given back (onGrant).
                    ctx.redis.zrem(ctx.keys[1], w.ticket);
                } else if (r < 0) {
                    ctx.metrics.requeued();
                }
            }
        });
    }

    private String[] acquireArgs(String leaseId, String ticket) {
        return new String[] {ctx.caller(), leaseId, ticket, ctx.channelPrefix, ctx.checkReceivers, ctx.clientId,
                Long.toString(ctx.config.ticketTtl().toMillis())};
    }

    /** A grant published by another client's release (or set-limit, reap, heartbeat): {@code expiryMs|leaseId}. */
    void onGrantMessage(String message) {
        lastHandOffNanos = ctx.clock.now();
        int from = 0;
        while (from < message.length()) {
            int end = message.indexOf('\n', from);
            if (end < 0) {
                end = message.length();
            }
            onGrant(message.substring(from, end));
            from = end + 1;
        }
    }

    private void onGrant(String message) {
        int bar = message.indexOf('|');
        long expiryMs;
        String leaseId;
        LeaseIds.Parsed parsed;
        try {
            expiryMs = Long.parseLong(message.substring(0, bar));
            leaseId = message.substring(bar + 1);
            parsed = LeaseIds.parse(leaseId);
        } catch (RuntimeException e) {
            log.warn("slot pool {}: ignoring a malformed grant message '{}'", ctx.config.pool(), message);
            return;
        }
        Waiter w = waiters.get(parsed.n());
        if (w != null && w.owner.equals(parsed.owner())) {
            grant(w, leaseId, expiryMs, ctx.clock.deadlineOfHandOff(expiryMs));
        } else if (!holdings.holds(leaseId)) {
            // The waiter gave up or was cancelled before its ticket came up: give the slot back.
            releases.release(leaseId);
        }
    }

    private void grant(Waiter w, String leaseId, long expiryMs, long deadlineNanos) {
        if (holdings.holds(leaseId)) {
            return; // delivered twice (publish and fallback); the first one counted
        }
        if (ctx.clock.passed(deadlineNanos)) {
            // Too late to be sure of it (a very stale hand-off): give it back and queue again.
            // Both go on the command connection in this order, so the re-check finds it gone.
            releases.releaseDirect(leaseId);
            if (!w.future.isDone()) {
                if (w.queuedNanos == 0) {
                    w.queuedNanos = ctx.clock.now();
                }
                recheck(w);
            }
            return;
        }
        HeldLease lease = holdings.hold(w.owner, leaseId, expiryMs, deadlineNanos);
        if (lease != null && !w.future.complete(new Acquisition.Granted(lease))) {
            holdings.abandon(lease);
        }
    }

    private void onWaiterDone(Waiter w, Acquisition outcome) {
        waiters.remove(w.n);
        w.cancelTimers();
        long elapsed = ctx.clock.now() - w.startNanos;
        if (outcome instanceof Acquisition.Granted) {
            ctx.metrics.granted(elapsed);
            if (w.queuedNanos != 0) {
                long waited = ctx.clock.now() - w.queuedNanos;
                ctx.metrics.waited(waited);
                ctx.metrics.classes.waited(w.owner, ctx.state.declaration(), waited);
            }
            return;
        }
        if (outcome instanceof Acquisition.Failed) {
            ctx.metrics.error(elapsed);
            // A reply that timed out may still have been executed: give back whatever this request
            // got, by its lease id, and withdraw its ticket (again once Redis answers).
            releases.giveBack(w.base, w.ticket);
            return;
        } else if (outcome instanceof Acquisition.Refused) {
            ctx.metrics.refused(elapsed);
        }
        // Withdraw the ticket; should it have been served meanwhile, the grant message finds no
        // waiter and gives the slot back.
        ctx.redis.zrem(ctx.keys[1], w.ticket);
    }
}
