package io.sluice.slots.internal;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.sluice.slots.SlotPoolConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this client knows of the pool's identity, sent with every script call so that the
 * scripts can fence a pool whose state cannot be proven current ({@code pool_state} in
 * {@code common.lua}; docs/SLOTS.md "Fencing"). The caller argument is
 * {@code configuredLimit:leaseTtlMs:epoch:knownMaxTtlMs:knownLimit:fresh:gen}, gen being the highest
 * grant generation this client saw in that epoch: a pool that shows a lower one went back in time.
 */
final class PoolState {
    private static final Logger log = LoggerFactory.getLogger(PoolState.class);
    /** Policies under which Redis never evicts our keys (they carry no TTL). */
    private static final Set<String> SAFE_POLICIES = Set.of("noeviction", "volatile-lru", "volatile-lfu",
            "volatile-random", "volatile-ttl");

    private final SlotPoolConfig config;
    private final String head;
    private volatile String epoch = "";
    private volatile long knownMaxTtl;
    private volatile long knownLimit;
    private volatile long fenceUntilMs;
    private long gen;   // guarded by this
    /** The declaration this client last saw ('' before it saw one): restored with the state if Redis lost it. */
    private volatile String declaration = "";

    PoolState(SlotPoolConfig config) {
        this.config = config;
        this.head = config.limit() + ":" + config.leaseTtl().toMillis() + ":";
    }

    /** The caller argument for the next script call. */
    synchronized String caller() {
        String e = epoch;
        return head + e + ':' + knownMaxTtl + ':' + knownLimit + ':' + (config.assumeNewPool() && e.isEmpty() ? '1' : '0')
                + ':' + gen + (declaration.isEmpty() ? "" : ":" + declaration);
    }

    /** A reply's declaration (the latest wins: an {@code apply} changed it); '' says nothing. */
    void declaration(Object decl) {
        if (decl instanceof String s && !s.isEmpty()) {
            declaration = s;
        }
    }

    String declaration() {
        return declaration;
    }

    /**
     * A reply's {@code epoch:gen}: the generation counts only within the epoch this client knows
     * (a reply from a rebuilt pool is learnt with its epoch, at the next heartbeat or status).
     */
    synchronized void generation(Object epochGen) {
        if (!(epochGen instanceof String s)) {
            return;
        }
        int colon = s.lastIndexOf(':');
        if (colon > 0 && s.regionMatches(0, epoch, 0, colon) && epoch.length() == colon) {
            gen = Math.max(gen, Long.parseLong(s, colon + 1, s.length(), 10));
        }
    }

    /** A reply's live limit. */
    void limit(long limit) {
        if (limit > 0 && limit != knownLimit) {
            knownLimit = limit;
        }
    }

    /**
     * A heartbeat's or status' view of the pool's identity. Those scripts ran {@code pool_state} with
     * the epoch this client knew, which fenced the pool from then if it found another: so a new or
     * older epoch is adopted here only after its fence was applied.
     */
    synchronized void learned(String newEpoch, long maxTtlMs, long fenceUntil, long limit, long nowMs, Object epochGen) {
        String old = epoch;
        if (!old.isEmpty() && !old.equals(newEpoch)) {
            log.warn("slot pool {}: Redis lost the pool's state (epoch {} -> {}); no new grants for {} ms, until every lease "
                    + "granted before the loss has expired", config.pool(), old, newEpoch, Math.max(0, fenceUntil - nowMs));
        }
        if (!newEpoch.equals(old)) {
            gen = 0;   // another epoch's generations do not compare
        }
        epoch = newEpoch;
        generation(epochGen);
        knownMaxTtl = Math.max(knownMaxTtl, maxTtlMs);
        fenceUntilMs = fenceUntil;
        limit(limit);
    }

    long knownLimit() {
        return knownLimit;
    }

    String epoch() {
        return epoch;
    }

    long knownMaxTtl() {
        return knownMaxTtl;
    }

    long fenceUntilMs() {
        return fenceUntilMs;
    }

    /**
     * Warns loudly when Redis may evict the pool's keys: an evicted leases key is a data loss
     * that fences the pool for a lease TTL. CONFIG may be disabled or renamed (managed Redis):
     * then it says it could not check.
     */
    static void checkEviction(RedisClusterAsyncCommands<String, String> redis, String pool, Duration timeout) {
        String policy;
        try {
            Map<String, String> reply = redis.configGet("maxmemory-policy").get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            policy = reply.get("maxmemory-policy");
        } catch (Exception e) {
            log.warn("slot pool {}: cannot read Redis' maxmemory-policy (CONFIG GET refused: {}); make sure it is noeviction "
                    + "or volatile-*: an evicted pool key makes the pool stop granting for a lease TTL", pool, e.toString());
            return;
        }
        if (policy == null) {
            return;
        }
        if (!SAFE_POLICIES.contains(policy)) {
            log.error("slot pool {}: Redis maxmemory-policy is {}: under memory pressure Redis may EVICT the pool's keys, "
                    + "which the pool treats as data loss (no new grants for the longest lease TTL). Set maxmemory-policy to "
                    + "noeviction (or a volatile-* policy: the pool's keys carry no TTL)", pool, policy);
        }
    }
}
