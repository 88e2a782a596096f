package io.sluice.slots.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The pool's Lua scripts ({@code /io/sluice/slots/*.lua}, each prefixed with {@code common.lua} and {@code classes.lua}).
 * They run by EVALSHA; a NOSCRIPT answer (Redis restarted or flushed its script cache) loads the
 * script again and retries once.
 */
final class SlotScripts {
    enum Script {
        ACQUIRE("acquire"), ACQUIRE_MANY("acquire_many"), RELEASE("release"), RELEASE_MANY("release_many"), RENEW("renew"), SET_LIMIT("set_limit"),
        REAP("reap"), HEARTBEAT("heartbeat"), STATUS("status"), RECHECK_MANY("recheck_many"), ADAPT("adapt"),
        DESCRIBE("describe"), DECLARE("declare");

        final String file;

        Script(String file) {
            this.file = file;
        }
    }

    private static final String PUBLISH_LINE = "local PUBLISH = 'PUBLISH'";

    private record Loaded(String body, String sha) {}

    private final Map<Script, Loaded> scripts = new EnumMap<>(Script.class);
    private final RedisClusterAsyncCommands<String, String> redis;
    private final LinkWatch watch;

    /** {@code publishCommand}: PUBLISH, or SPUBLISH on a Redis 7+ Cluster; it replaces common.lua's default. */
    SlotScripts(RedisClusterAsyncCommands<String, String> redis, LinkWatch watch, String publishCommand) {
        this.redis = redis;
        this.watch = watch;
        String common = resource("common");
        if (!common.contains(PUBLISH_LINE)) {
            throw new IllegalStateException("common.lua lost its line " + PUBLISH_LINE);
        }
        common = common.replace(PUBLISH_LINE, "local PUBLISH = '" + publishCommand + "'") + resource("classes");
        for (Script s : Script.values()) {
            String body = common + resource(s.file);
            scripts.put(s, new Loaded(body, sha1(body)));
        }
    }

    /** Loads every script; completes when Redis has them all. */
    CompletableFuture<Void> loadAll() {
        return CompletableFuture.allOf(scripts.values().stream()
                .map(l -> redis.scriptLoad(l.body()).toCompletableFuture())
                .toArray(CompletableFuture[]::new));
    }

    CompletableFuture<List<Object>> run(Script script, String[] keys, String... args) {
        Loaded loaded = scripts.get(script);
        return evalsha(loaded, keys, args).handle((reply, error) -> {
            if (error == null) {
                watch.replied();
                return CompletableFuture.completedFuture(reply);
            }
            Throwable cause = unwrap(error);
            watch.failed(cause);
            if (cause instanceof RedisNoScriptException) {
                return redis.scriptLoad(loaded.body()).toCompletableFuture()
                        .thenCompose(sha -> evalsha(loaded, keys, args));
            }
            return CompletableFuture.<List<Object>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<List<Object>> evalsha(Loaded loaded, String[] keys, String[] args) {
        return redis.<List<Object>>evalsha(loaded.sha(), ScriptOutputType.MULTI, keys, args).toCompletableFuture();
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String resource(String name) {
        String path = "/io/sluice/slots/" + name + ".lua";
        try (InputStream in = SlotScripts.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("slot script " + path + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read slot script " + path, e);
        }
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-1", e);
        }
    }
}
