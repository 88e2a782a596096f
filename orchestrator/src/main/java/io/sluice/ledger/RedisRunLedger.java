package io.sluice.ledger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.sluice.messages.Window;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The run ledger in Redis: one hash per run, {@code sluice:run:{runId}}, with fields
 * {@code fingerprint}, {@code total}, {@code windowStart}, {@code windowEnd}, {@code lastAckedSeq},
 * {@code status} and {@code updatedAt}.
 *
 * <p>Why Redis: it is already a dependency of every Sluice deployment (the slot pool lives
 * there), one {@code HSET} of several fields is atomic, and the write per acknowledged batch is a
 * single round trip. The trade-off: if Redis loses its data (no persistence, failover without a
 * replica) the run's progress is gone and a rerun starts again from batch 0, re-publishing what
 * was already sent. That is harmless, because workers write results as upserts keyed by org id,
 * merely wasteful. A database table would survive that, at the price of another dependency.
 */
public final class RedisRunLedger implements RunLedger {
    public static final String KEY_PREFIX = "sluice:run:";
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    private final String prefix;

    public RedisRunLedger(String uri, Duration timeout) {
        this(uri, timeout, KEY_PREFIX);
    }

    /** With a different key prefix, for tests sharing one Redis. */
    public RedisRunLedger(String uri, Duration timeout, String prefix) {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        this.client = RedisClient.create(redisUri);
        try {
            this.connection = client.connect();
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
        this.redis = connection.sync();
        this.prefix = prefix;
    }

    public String key(String runId) {
        return prefix + "{" + runId + "}";
    }

    @Override
    public Optional<RunRecord> find(String runId) {
        Map<String, String> h = redis.hgetall(key(runId));
        if (h == null || h.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RunRecord(runId, h.get("fingerprint"), Long.parseLong(h.get("total")),
                new Window(Instant.parse(h.get("windowStart")), Instant.parse(h.get("windowEnd"))),
                Long.parseLong(h.get("lastAckedSeq")), RunStatus.valueOf(h.get("status")), Instant.parse(h.get("updatedAt"))));
    }

    @Override
    public void start(RunRecord r) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("fingerprint", r.fingerprint());
        h.put("total", Long.toString(r.total()));
        h.put("windowStart", r.window().start().toString());
        h.put("windowEnd", r.window().end().toString());
        h.put("lastAckedSeq", Long.toString(r.lastAckedSeq()));
        h.put("status", r.status().name());
        h.put("updatedAt", r.updatedAt().toString());
        redis.hset(key(r.runId()), h);
    }

    @Override
    public void recordAck(String runId, long seq, Instant at) {
        redis.hset(key(runId), Map.of("lastAckedSeq", Long.toString(seq), "updatedAt", at.toString()));
    }

    @Override
    public void setStatus(String runId, RunStatus status, Instant at) {
        redis.hset(key(runId), Map.of("status", status.name(), "updatedAt", at.toString()));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
