package io.sluice.worker.sink;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.sluice.redis.RedisLink;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Per-org result watermarks in Redis: the highest {@code window.end} (epoch millis) whose result was
 * acknowledged on the results topic, plus a short per-org publish lock. Every key carries the results
 * topic as its hash tag, so all of them live in one Cluster slot and one script may touch any two.
 *
 * <pre>
 * sluice:wm:{results-topic}:&lt;org mod 8192&gt;   hash   field = org id, value = window end millis
 * sluice:wm:{results-topic}:lock:&lt;org&gt;        string token of the publisher holding the org, PX = lock TTL
 * </pre>
 *
 * Watermarks are sharded over {@value #SHARDS} small hashes rather than kept in one: Redis stores a
 * hash of at most 128 fields compactly (ziplist/listpack), and 1M orgs then take about 18 MB instead
 * of 64 MB for one big hash (measured, docs/OPERATIONS-replay-slots.md). The shard count is part of
 * the key layout: changing it loses every watermark.
 *
 * <p>Connects lazily on first use and reconnects by itself; while Redis is unreachable every call
 * fails fast (the caller fails closed: the org is retried, never published unchecked).
 */
public final class Watermarks implements AutoCloseable {
    public static final int SHARDS = 8192;

    /** KEYS: each org's shard; ARGV: the orgs in the same order. Answers each org's watermark, "" when it has none. */
    private static final Script READ = new Script("""
            local out = {}
            for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], ARGV[i]) or '' end
            return out
            """);
    /**
     * KEYS: shard, lock; ARGV: org, window end, token, lock TTL ms. A newer watermark: {"stale", wm}.
     * Locked by another publisher: {"busy", pttl}. Otherwise the lock is ours: {"ok", wm}.
     */
    private static final Script CLAIM = new Script("""
            local wm = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
            if wm > tonumber(ARGV[2]) then return {'stale', tostring(wm)} end
            local holder = redis.call('GET', KEYS[2])
            if holder and holder ~= ARGV[3] then return {'busy', tostring(redis.call('PTTL', KEYS[2]))} end
            redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
            return {'ok', tostring(wm)}
            """);
    /**
     * KEYS: shard, lock; ARGV: org, window end (-1 to record nothing), token. Raises the watermark to the
     * window end (never lowers it) and drops the lock if it is still ours: {"1"}, or {"0"} if it lapsed.
     */
    private static final Script ADVANCE = new Script("""
            local mine = tonumber(ARGV[2])
            if mine >= 0 and mine > tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1') then
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            end
            if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) return {'1'} end
            return {'0'}
            """);

    /** What {@link #claim} answered. */
    public sealed interface Claim {
    }

    /** The lock is ours; {@code watermark} is the org's before this publish (-1: none). */
    public record Held(long watermark) implements Claim {
    }

    /** A newer window's result was already published for this org. */
    public record Stale(long watermark) implements Claim {
    }

    /** Another publisher holds the org's lock for {@code remaining} more. */
    public record Busy(Duration remaining) implements Claim {
    }

    private final String prefix;
    private final String redisUri;
    private final Duration commandTimeout;
    private final Object connecting = new Object();
    private CompletableFuture<RedisLink> connection;
    private volatile boolean closed;

    public Watermarks(String redisUri, Duration commandTimeout, String resultsTopic) {
        this.prefix = "sluice:wm:{" + resultsTopic + "}:";
        this.redisUri = redisUri;
        this.commandTimeout = commandTimeout;
    }

    /** The hash holding {@code org}'s watermark. */
    public String shardKey(long org) {
        return prefix + Math.floorMod(org, SHARDS);
    }

    public String lockKey(long org) {
        return prefix + "lock:" + org;
    }

    /** Each org's watermark in epoch millis, -1 for none, in the order asked; one round trip. */
    public CompletableFuture<long[]> read(List<Long> orgs) {
        String[] keys = new String[orgs.size()];
        String[] args = new String[orgs.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = shardKey(orgs.get(i));
            args[i] = Long.toString(orgs.get(i));
        }
        return run(READ, keys, args).thenApply(reply -> {
            long[] out = new long[reply.size()];
            for (int i = 0; i < out.length; i++) {
                String v = (String) reply.get(i);
                out[i] = v == null || v.isEmpty() ? -1 : Long.parseLong(v);
            }
            return out;
        });
    }

    /** Checks the org's watermark against {@code windowEndMillis} and, unless newer or locked by another, takes its lock. */
    public CompletableFuture<Claim> claim(long org, long windowEndMillis, String token, Duration ttl) {
        return run(CLAIM, new String[] {shardKey(org), lockKey(org)}, Long.toString(org), Long.toString(windowEndMillis),
                token, Long.toString(ttl.toMillis())).thenApply(reply -> {
                    String kind = (String) reply.get(0);
                    long n = Long.parseLong((String) reply.get(1));
                    return switch (kind) {
                        case "ok" -> new Held(n);
                        case "stale" -> new Stale(n);
                        default -> new Busy(Duration.ofMillis(Math.max(0, n)));
                    };
                });
    }

    /** Raises the watermark to {@code windowEndMillis} (-1: leaves it) and drops our lock; false if the lock had lapsed. */
    public CompletableFuture<Boolean> advance(long org, long windowEndMillis, String token) {
        return run(ADVANCE, new String[] {shardKey(org), lockKey(org)}, Long.toString(org), Long.toString(windowEndMillis), token)
                .thenApply(reply -> "1".equals(reply.get(0)));
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<List<Object>> run(Script script, String[] keys, String... args) {
        return connection().thenCompose(c -> c.async().<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? c.async().<List<Object>>eval(script.body, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e)))
                .thenApply(reply -> reply == null ? List.of() : new ArrayList<>(reply));
    }

    private CompletableFuture<RedisLink> connection() {
        synchronized (connecting) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("watermarks closed"));
            }
            if (connection == null || connection.isCompletedExceptionally()) {
                // Once connected, Lettuce reconnects by itself; a first connect that failed is tried again on the next call.
                connection = CompletableFuture.supplyAsync(() -> RedisLink.open(redisUri, commandTimeout, null),
                        task -> Thread.ofVirtual().name("sluice-watermarks-connect").start(task));
            }
            return connection;
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    @Override
    public void close() {
        CompletableFuture<RedisLink> c;
        synchronized (connecting) {
            closed = true;
            c = connection;
        }
        if (c != null) {
            // A connect still under way is closed when it completes.
            c.thenAccept(RedisLink::close);
        }
    }

    private record Script(String body, String sha) {
        Script(String body) {
            this(body, sha1(body));
        }

        private static String sha1(String s) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
