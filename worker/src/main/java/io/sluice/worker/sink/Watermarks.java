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
 * of 64 MB for one big hash (measured, docs/OPERATIONS.md). The shard count is part of
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
     * KEYS: shard and lock of each org, in pairs; ARGV: token, lock TTL ms, then org and window end of each.
     * Per org, two replies: a newer watermark: "stale", wm; locked by another publisher: "busy", pttl;
     * otherwise the lock is ours (taken or kept): "ok", wm. Locks are taken only when no org is busy, so a
     * flush that must wait holds nothing.
     */
    private static final Script CLAIM = new Script("""
            local out, busy = {}, false
            for i = 1, #KEYS, 2 do
              local org, mine = ARGV[i + 2], tonumber(ARGV[i + 3])
              local wm = tonumber(redis.call('HGET', KEYS[i], org) or '-1')
              local holder = redis.call('GET', KEYS[i + 1])
              if wm > mine then
                out[#out + 1] = 'stale'; out[#out + 1] = tostring(wm)
              elseif holder and holder ~= ARGV[1] then
                out[#out + 1] = 'busy'; out[#out + 1] = tostring(redis.call('PTTL', KEYS[i + 1])); busy = true
              else
                out[#out + 1] = 'ok'; out[#out + 1] = tostring(wm)
              end
            end
            if not busy then
              for i = 1, #KEYS, 2 do
                if out[i] == 'ok' then redis.call('SET', KEYS[i + 1], ARGV[1], 'PX', ARGV[2]) end
              end
            end
            return out
            """);
    /**
     * KEYS: shard and lock of each org, in pairs; ARGV: token, then org and window end (-1 to record nothing)
     * of each. Raises each watermark to its window end (never lowers it) and drops each lock that is still
     * ours. Answers how many locks were still ours.
     */
    private static final Script ADVANCE = new Script("""
            local ours = 0
            for i = 1, #KEYS, 2 do
              local org, mine = ARGV[i + 1], tonumber(ARGV[i + 2])
              if mine >= 0 and mine > tonumber(redis.call('HGET', KEYS[i], org) or '-1') then
                redis.call('HSET', KEYS[i], org, ARGV[i + 2])
              end
              if redis.call('GET', KEYS[i + 1]) == ARGV[1] then redis.call('DEL', KEYS[i + 1]); ours = ours + 1 end
            end
            return {tostring(ours)}
            """);

    /** What {@link #claim} answered for one org. */
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

    /**
     * For each org (with its window end, epoch millis): its watermark against the window end and whether
     * another publisher holds it; unless some org is busy, takes (or keeps) every non-stale org's lock
     * for {@code ttl}. One round trip.
     */
    public CompletableFuture<List<Claim>> claim(long[] orgs, long[] windowEndMillis, String token, Duration ttl) {
        String[] keys = perOrgKeys(orgs);
        String[] args = perOrgArgs(orgs, windowEndMillis, token, Long.toString(ttl.toMillis()));
        return run(CLAIM, keys, args).thenApply(reply -> {
            List<Claim> out = new ArrayList<>(orgs.length);
            for (int i = 0; i < orgs.length; i++) {
                long n = Long.parseLong((String) reply.get(2 * i + 1));
                out.add(switch ((String) reply.get(2 * i)) {
                    case "ok" -> new Held(n);
                    case "stale" -> new Stale(n);
                    default -> new Busy(Duration.ofMillis(Math.max(0, n)));
                });
            }
            return out;
        });
    }

    /**
     * Raises each org's watermark to its window end (-1: leaves it) and drops our lock on it; answers
     * how many of those locks were still ours (fewer: some lapsed).
     */
    public CompletableFuture<Integer> advance(long[] orgs, long[] windowEndMillis, String token) {
        return run(ADVANCE, perOrgKeys(orgs), perOrgArgs(orgs, windowEndMillis, token))
                .thenApply(reply -> Integer.parseInt((String) reply.get(0)));
    }

    /** KEYS of the per-org scripts: each org's shard and lock, in pairs. */
    private String[] perOrgKeys(long[] orgs) {
        String[] keys = new String[orgs.length * 2];
        for (int i = 0; i < orgs.length; i++) {
            keys[2 * i] = shardKey(orgs[i]);
            keys[2 * i + 1] = lockKey(orgs[i]);
        }
        return keys;
    }

    /** ARGV of the per-org scripts: {@code leading}, then each org and its window end, in pairs. */
    private static String[] perOrgArgs(long[] orgs, long[] windowEndMillis, String... leading) {
        String[] args = java.util.Arrays.copyOf(leading, leading.length + orgs.length * 2);
        for (int i = 0; i < orgs.length; i++) {
            args[leading.length + 2 * i] = Long.toString(orgs[i]);
            args[leading.length + 2 * i + 1] = Long.toString(windowEndMillis[i]);
        }
        return args;
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
