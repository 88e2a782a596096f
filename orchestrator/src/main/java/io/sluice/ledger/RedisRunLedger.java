package io.sluice.ledger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.sluice.messages.Window;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Optional;

/**
 * The run ledger in Redis: one hash per run, {@code sluice:run:{runId}}, with fields
 * {@code fingerprint}, {@code total}, {@code windowStart}, {@code windowEnd}, {@code lastAckedSeq},
 * {@code status} and {@code updatedAt}.
 *
 * <p>Why Redis: it is already a dependency of every Sluice deployment (the slot pool lives
 * there), one {@code HSET} of several fields is atomic, and the write per acknowledged batch is a
 * single round trip. Every write sends the whole record, so if Redis loses its data (no
 * persistence, failover without a replica) while the orchestrator runs, its next acknowledged
 * batch puts the record back complete. If the orchestrator is gone too, the progress is lost and
 * a rerun starts again from batch 0, re-publishing what was already sent: harmless, because
 * workers write results as upserts keyed by org id, merely wasteful. A hash missing fields is
 * treated as no record. A database table would survive all that, at the price of another dependency.
 */
public final class RedisRunLedger implements RunLedger {
    public static final String KEY_PREFIX = "sluice:run:";
    private static final Logger LOG = LoggerFactory.getLogger(RedisRunLedger.class);
    private static final List<String> FIELDS = List.of("fingerprint", "total", "windowStart", "windowEnd",
            "lastAckedSeq", "status", "updatedAt");
    /** The records this process started or resumed: every write sends the whole record. */
    private final Map<String, RunRecord> known = new ConcurrentHashMap<>();
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
        if (!h.keySet().containsAll(FIELDS)) {
            // Left by a write that landed after Redis lost the record (older versions wrote only the
            // changed fields). Without a fingerprint and a plan the run cannot resume: start over.
            LOG.warn("run {}: the ledger record {} is incomplete (fields {}; Redis lost data?); treating the run as new",
                    runId, key(runId), h.keySet());
            return Optional.empty();
        }
        RunRecord r = new RunRecord(runId, h.get("fingerprint"), Long.parseLong(h.get("total")),
                new Window(Instant.parse(h.get("windowStart")), Instant.parse(h.get("windowEnd"))),
                Long.parseLong(h.get("lastAckedSeq")), RunStatus.valueOf(h.get("status")), Instant.parse(h.get("updatedAt")));
        known.put(runId, r);
        return Optional.of(r);
    }

    @Override
    public void start(RunRecord r) {
        write(r);
    }

    /**
     * Writes the whole record, not only the changed fields: if Redis lost the hash meanwhile (a
     * restart without persistence), this ack puts it back complete, with the progress up to now.
     */
    @Override
    public void recordAck(String runId, long seq, Instant at) {
        RunRecord r = known(runId);
        if (r == null) {
            redis.hset(key(runId), Map.of("lastAckedSeq", Long.toString(seq), "updatedAt", at.toString()));
            return;
        }
        write(r.withProgress(seq, at));
    }

    @Override
    public void setStatus(String runId, RunStatus status, Instant at) {
        RunRecord r = known(runId);
        if (r == null) {
            redis.hset(key(runId), Map.of("status", status.name(), "updatedAt", at.toString()));
            return;
        }
        write(r.withStatus(status, at));
    }

    private RunRecord known(String runId) {
        return known.get(runId);
    }

    private void write(RunRecord r) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("fingerprint", r.fingerprint());
        h.put("total", Long.toString(r.total()));
        h.put("windowStart", r.window().start().toString());
        h.put("windowEnd", r.window().end().toString());
        h.put("lastAckedSeq", Long.toString(r.lastAckedSeq()));
        h.put("status", r.status().name());
        h.put("updatedAt", r.updatedAt().toString());
        redis.hset(key(r.runId()), h);
        known.put(r.runId(), r);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
