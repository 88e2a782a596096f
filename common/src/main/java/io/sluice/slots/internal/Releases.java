package io.sluice.slots.internal;

import io.sluice.slots.SlotPoolException;
import io.sluice.slots.internal.SlotScripts.Script;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Giving slots back: releases batched while the previous batch is in flight (one
 * {@code release_many} hands the freed slots straight to the oldest waiters), a direct release
 * for when ordering matters, and the give-back of requests whose outcome is unknown.
 */
final class Releases {
    private static final int MAX_BATCH = 128;

    private record Release(String leaseId, CompletableFuture<Void> done) {}

    private final PoolContext ctx;
    private final Map<String, HeldLease> held;
    private final Batcher<Release> batcher = new Batcher<>(MAX_BATCH, this::send);
    /** Requests whose outcome is unknown (a failed or timed-out reply): lease id -> ticket ("" if none). */
    private final Map<String, String> giveBacks = new ConcurrentHashMap<>();

    Releases(PoolContext ctx, Map<String, HeldLease> held) {
        this.ctx = ctx;
        this.held = held;
    }

    /** Releases {@code leaseId} in the next batch; completes when Redis answered. */
    CompletableFuture<Void> release(String leaseId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        batcher.submit(new Release(leaseId, done));
        return done;
    }

    /** One script call for every release batched meanwhile. */
    private CompletableFuture<?> send(List<Release> batch) {
        String[] args = new String[3 + batch.size()];
        args[0] = ctx.caller();
        args[1] = ctx.channelPrefix;
        args[2] = ctx.checkReceivers;
        for (int i = 0; i < batch.size(); i++) {
            args[3 + i] = batch.get(i).leaseId();
        }
        return ctx.run(Script.RELEASE_MANY, ctx.keys, args).whenComplete((reply, error) -> {
            if (error == null) {
                ctx.state.generation(reply.get(2));
            }
            for (Release r : batch) {
                if (error == null) {
                    r.done().complete(null);
                } else {
                    r.done().completeExceptionally(failed(r.leaseId(), error));
                }
            }
        });
    }

    /** An unbatched release, for when it must reach Redis before the command sent next. */
    CompletableFuture<Void> releaseDirect(String leaseId) {
        return ctx.run(Script.RELEASE, ctx.keys, leaseId, ctx.caller(), ctx.channelPrefix, ctx.checkReceivers)
                .handle((reply, error) -> {
                    if (error != null) {
                        throw failed(leaseId, error);
                    }
                    ctx.state.generation(reply.get(2));
                    return null;
                });
    }

    /**
     * Releases a retiring lease (unbatched: retiring leases are few) and drops its abandoned mark;
     * ordered after any renewal sent before it on the same connection.
     */
    CompletableFuture<Void> releaseRetired(String leaseId) {
        return ctx.run(Script.RELEASE, ctx.markKeys, leaseId, ctx.caller(), ctx.channelPrefix, ctx.checkReceivers)
                .handle((reply, error) -> {
                    if (error != null) {
                        throw failed(leaseId, error);
                    }
                    ctx.state.generation(reply.get(2));
                    return null;
                });
    }

    private SlotPoolException failed(String leaseId, Throwable error) {
        return new SlotPoolException("slot pool " + ctx.config.pool() + ": releasing " + leaseId
                + " failed; it expires on its own within " + ctx.config.leaseTtl(), SlotScripts.unwrap(error));
    }

    /**
     * Gives back whatever request {@code leaseId} may have been granted (its reply failed or timed
     * out, yet the script may have run), and withdraws its ticket. Retried after every heartbeat
     * until Redis answers; the lease would expire on its own anyway.
     */
    void giveBack(String leaseId, String ticket) {
        if (held.containsKey(leaseId)) {
            return;
        }
        String t = ticket == null ? "" : ticket;
        if (!ctx.closed.get()) {
            giveBacks.put(leaseId, t); // retried after heartbeats; when closing, sent once before the connection goes
        }
        sendGiveBack(leaseId, t);
    }

    private void sendGiveBack(String leaseId, String ticket) {
        CompletableFuture<?> withdrawn = ticket.isEmpty() ? CompletableFuture.completedFuture(0L)
                : ctx.redis.zrem(ctx.keys[1], ticket).toCompletableFuture();
        withdrawn.thenCompose(x -> release(leaseId)).whenComplete((x, error) -> {
            if (error == null) {
                giveBacks.remove(leaseId, ticket);
            }
        });
    }

    /** After a heartbeat got through: try the outstanding give-backs again. */
    void retryGiveBacks() {
        giveBacks.forEach(this::sendGiveBack);
    }
}
