package io.sluice.slots.internal;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.SlotPoolException;
import io.sluice.slots.internal.SlotScripts.Script;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the parts of one pool client share: its settings, key names, clocks, meters, timers, the
 * command connection and scripts, and what it knows of the pool's identity ({@link PoolState}).
 */
final class PoolContext {
    final SlotPoolConfig config;
    final String clientId;
    /** leases, queue, clients */
    final String[] keys;
    /** leases, abandoned: renew.lua marks a retiring lease in the second. */
    final String[] renewKeys;
    /** leases, queue, clients, abandoned: for the scripts that read or clean the marks. */
    final String[] markKeys;
    /** The adaptive limit's hash (adapt.lua), beside the pool's keys. */
    final String adaptKey;
    final String channelPrefix;
    final String ttlMs;
    final PoolState state;
    final HolderClock clock;
    final SlotMetrics metrics;
    final ScheduledExecutorService scheduler;
    final ExecutorService completions;
    final AtomicBoolean closed = new AtomicBoolean();
    /** Set once the connection is up, before any other part sends a command. */
    volatile RedisClusterAsyncCommands<String, String> redis;
    volatile SlotScripts scripts;
    /**
     * "1": a grant published to nobody is undone (its client died or is reconnecting). "0" on a
     * Cluster without sharded pub/sub (Redis &lt; 7), where PUBLISH counts only the local node's
     * subscribers though the bus delivers to all; dead clients are then caught by heartbeat alone.
     */
    volatile String checkReceivers = "1";

    PoolContext(SlotPoolConfig config, String clientId, HolderClock clock, SlotMetrics metrics,
                ScheduledExecutorService scheduler, ExecutorService completions) {
        this.config = config;
        this.clientId = clientId;
        String prefix = "sluice:{" + config.pool() + "}:";
        this.keys = new String[] {prefix + "leases", prefix + "queue", prefix + "clients"};
        this.renewKeys = new String[] {keys[0], prefix + "abandoned"};
        this.markKeys = new String[] {keys[0], keys[1], keys[2], prefix + "abandoned"};
        this.adaptKey = prefix + "adapt";
        this.channelPrefix = prefix + "grants:";
        this.ttlMs = Long.toString(config.leaseTtl().toMillis());
        this.state = new PoolState(config);
        this.clock = clock;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.completions = completions;
    }

    CompletableFuture<List<Object>> run(Script script, String[] keys, String... args) {
        return scripts.run(script, keys, args);
    }

    /** The caller argument every script takes (see {@link PoolState#caller()}). */
    String caller() {
        return state.caller();
    }

    /** Pool-wide figures from a reply. */
    void figures(long limit, long inUse) {
        state.limit(limit);
        metrics.figures(limit, inUse);
    }

    SlotPoolException closedException() {
        return new SlotPoolException("slot pool " + config.pool() + " is closed", null);
    }
}
