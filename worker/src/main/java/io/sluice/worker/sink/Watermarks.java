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
 * Per-org result watermarks in Redis, a cache of the compacted results topic: the highest
 * {@code window.end} (epoch millis) written for each org, plus a short per-org publish lock. Every key
 * carries the results topic as its hash tag, so all of them live in one Cluster slot and one script
 * may touch any of them.
 *
 * <pre>
 * sluice:wm:{results-topic}:epoch              string  present while the watermarks below are complete
 * sluice:wm:{results-topic}:&lt;org mod 8192&gt;   hash    field = org id, value = "end" (committed) or
 *                                                       "end:token" (pending: the transaction "token" writes it)
 * sluice:wm:{results-topic}:lock:&lt;org&gt;        string  token of the publisher holding the org, PX = lock TTL
 * sluice:wm:{results-topic}:rebuild            string  token of the worker rebuilding the watermarks
 * </pre>
 *
 * A watermark is raised (pending) <em>before</em> its transaction commits and confirmed after; so no
 * crash leaves a committed result above its org's watermark. Watermarks are sharded over {@value #SHARDS}
 * small hashes rather than kept in one: Redis stores a hash of at most 128 fields compactly
 * (listpack), and 1M orgs then take far less memory than one big hash (docs/BENCHMARKS.md, "Worker benchmarks").
 * The shard count is part of the key layout: changing it loses every watermark (they are rebuilt).
 *
 * <p><b>Epoch.</b> Every script first checks the epoch key; when it is missing (Redis restarted empty,
 * a failover to an empty replica, a flush) it changes nothing and the call fails with {@link Lost}:
 * the caller fails closed until {@link WatermarkRebuild} has rebuilt the watermarks from the topic.
 *
 * <p>Connects lazily on first use and reconnects by itself; while Redis is unreachable every call
 * fails fast (the caller fails closed: the org is retried, never published unchecked).
 */
public final class Watermarks implements AutoCloseable {
    public static final int SHARDS = 8192;

    /** The watermarks cannot be trusted: their epoch is missing (Redis lost them). They are being rebuilt. */
    public static final class Lost extends IllegalStateException {
        Lost(String what) {
            super(what);
        }
    }

    /** One org's watermark: window end millis (-1: none), and the token of the transaction writing it (null: committed). */
    public record Mark(long end, String pending) {
        static Mark parse(String raw) {
            if (raw == null || raw.isEmpty()) return new Mark(-1, null);
            int c = raw.indexOf(':');
            return c < 0 ? new Mark(Long.parseLong(raw), null) : new Mark(Long.parseLong(raw.substring(0, c)), raw.substring(c + 1));
        }
    }

    /** What {@link #claim} answered for one org. */
    public sealed interface Claim {
    }

    /** The lock is ours and the watermark now ours (pending); {@code watermark} is the org's before (-1: none). */
    public record Held(long watermark, String was) implements Claim {
    }

    /** A newer window's result was already written (or is being written) for this org. */
    public record Stale(long watermark) implements Claim {
    }

    /** This very window's result is already committed for this org: writing it again would be a duplicate. */
    public record Done(long watermark) implements Claim {
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

    public String epochKey() {
        return prefix + "epoch";
    }

    String rebuildKey() {
        return prefix + "rebuild";
    }

    /** Each org's watermark, in the order asked; one round trip. Fails with {@link Lost} when the epoch is missing. */
    public CompletableFuture<Mark[]> read(List<Long> orgs) {
        String[] keys = new String[orgs.size() + 1];
        String[] args = new String[orgs.size()];
        keys[0] = epochKey();
        for (int i = 0; i < args.length; i++) {
            keys[i + 1] = shardKey(orgs.get(i));
            args[i] = Long.toString(orgs.get(i));
        }
        return run(WatermarkScripts.READ, keys, args).thenApply(reply -> {
            Mark[] out = new Mark[reply.size() - 1];
            for (int i = 0; i < out.length; i++) {
                out[i] = Mark.parse((String) reply.get(i + 1));
            }
            return out;
        });
    }

    /**
     * For each org (with its window end, epoch millis): its watermark against the window end and whether
     * another publisher holds it; unless some org is busy, takes (or keeps) every {@link Held} org's lock
     * for {@code ttl} and raises its watermark to the window end, pending under {@code token}. One round trip.
     */
    public CompletableFuture<List<Claim>> claim(long[] orgs, long[] windowEndMillis, String token, Duration ttl) {
        String[] keys = perOrgKeys(orgs);
        String[] args = new String[2 + 2 * orgs.length];
        args[0] = token;
        args[1] = Long.toString(ttl.toMillis());
        for (int i = 0; i < orgs.length; i++) {
            args[2 + 2 * i] = Long.toString(orgs[i]);
            args[3 + 2 * i] = Long.toString(windowEndMillis[i]);
        }
        return run(WatermarkScripts.CLAIM, keys, args).thenApply(reply -> {
            List<Claim> out = new ArrayList<>(orgs.length);
            for (int i = 0; i < orgs.length; i++) {
                long n = Long.parseLong((String) reply.get(1 + 3 * i + 1));
                out.add(switch ((String) reply.get(1 + 3 * i)) {
                    case "ok" -> new Held(n, (String) reply.get(1 + 3 * i + 2));
                    case "stale" -> new Stale(n);
                    case "done" -> new Done(n);
                    default -> new Busy(Duration.ofMillis(Math.max(0, n)));
                });
            }
            return out;
        });
    }

    /**
     * Ends a claim: per org, when its watermark is still exactly {@code expect[i]}, sets it to
     * {@code replace[i]} ("" removes it; a null {@code expect[i]} leaves it alone); drops each lock that
     * is still {@code token}'s. Answers how many of those locks were still ours (fewer: some lapsed).
     */
    public CompletableFuture<Integer> finish(long[] orgs, String[] expect, String[] replace, String token) {
        String[] args = new String[1 + 3 * orgs.length];
        args[0] = token;
        for (int i = 0; i < orgs.length; i++) {
            args[1 + 3 * i] = Long.toString(orgs[i]);
            args[2 + 3 * i] = expect[i] == null ? "" : expect[i];
            args[3 + 3 * i] = replace[i];
        }
        return run(WatermarkScripts.FINISH, perOrgKeys(orgs), args).thenApply(reply -> Integer.parseInt((String) reply.get(1)));
    }

    /** The pending value a claim under {@code token} writes for a window ending at {@code end}. */
    static String pending(long end, String token) {
        return end + ":" + token;
    }

    // ---- rebuild (WatermarkRebuild) ---------------------------------------------------------

    /** "epoch": nothing to rebuild; "mine": the rebuild lock is ours for {@code ttl}; "other": another worker rebuilds. */
    CompletableFuture<String> rebuildLock(String token, Duration ttl) {
        return run(WatermarkScripts.REBUILD_LOCK, new String[] {epochKey(), rebuildKey()}, token, Long.toString(ttl.toMillis()))
                .thenApply(reply -> (String) reply.get(0));
    }

    /** Raises each org's watermark to its committed window end (from the topic); false when the rebuild lock is no longer ours. */
    CompletableFuture<Boolean> raiseCommitted(long[] orgs, long[] ends, int n, String token) {
        String[] keys = new String[n + 1];
        String[] args = new String[1 + 2 * n];
        keys[0] = rebuildKey();
        args[0] = token;
        for (int i = 0; i < n; i++) {
            keys[i + 1] = shardKey(orgs[i]);
            args[1 + 2 * i] = Long.toString(orgs[i]);
            args[2 + 2 * i] = Long.toString(ends[i]);
        }
        return run(WatermarkScripts.RAISE_COMMITTED, keys, args).thenApply(reply -> "ok".equals(reply.get(0)));
    }

    /** Writes the epoch (the watermarks are complete again) and drops the rebuild lock, if that lock is still ours. */
    CompletableFuture<Boolean> publishEpoch(String token, String epoch) {
        return run(WatermarkScripts.PUBLISH_EPOCH, new String[] {epochKey(), rebuildKey()}, token, epoch)
                .thenApply(reply -> "ok".equals(reply.get(0)));
    }

    /** KEYS of the per-org scripts: the epoch, then each org's shard and lock, in pairs. */
    private String[] perOrgKeys(long[] orgs) {
        String[] keys = new String[1 + orgs.length * 2];
        keys[0] = epochKey();
        for (int i = 0; i < orgs.length; i++) {
            keys[1 + 2 * i] = shardKey(orgs[i]);
            keys[2 + 2 * i] = lockKey(orgs[i]);
        }
        return keys;
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<List<Object>> run(Script script, String[] keys, String... args) {
        return connection().thenCompose(c -> c.async().<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? c.async().<List<Object>>eval(script.body, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e)))
                .thenApply(reply -> {
                    List<Object> out = reply == null ? List.of() : new ArrayList<>(reply);
                    if (!out.isEmpty() && "lost".equals(out.get(0))) {
                        throw new Lost("result watermarks lost (" + epochKey() + " missing): they are rebuilt from the "
                                + "results topic before any org runs");
                    }
                    return out;
                });
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

    boolean closed() {
        return closed;
    }

    static Throwable unwrap(Throwable e) {
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

    record Script(String body, String sha) {
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
