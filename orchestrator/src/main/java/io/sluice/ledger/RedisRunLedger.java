package io.sluice.ledger;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.sluice.redis.RedisLink;
import io.sluice.messages.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run ledger in Redis. Per run, under one hash tag so a cluster keeps them on one slot:
 * <ul>
 *   <li>{@code sluice:run:{id}}: the record hash ({@code fingerprint}, {@code total},
 *       {@code windowStart}, {@code windowEnd}, {@code lastAckedSeq}, {@code status}, {@code updatedAt},
 *       and for reporting {@code orgs}, {@code startedAt}, {@code pacingMs}, {@code finishBy});</li>
 *   <li>{@code sluice:run:{id}:plan}: the frozen plan ({@link PlanCodec});</li>
 *   <li>{@code sluice:run:{id}:owner}: the ownership lease, {@code "<token> <holder>"} with a TTL;</li>
 *   <li>{@code sluice:run:{id}:fence}: the token counter.</li>
 * </ul>
 * and {@code sluice:run:index}, a sorted set of run ids by first start, for {@code orchestrator status}.
 *
 * <p>Every write is one Lua script that first checks the lease value, so a publisher that lost its
 * run can write nothing. Every write sends the whole record, so a record lost with Redis data
 * comes back complete with the next ack. Records, plans and counters expire after
 * {@link #RETENTION} of no writes.
 *
 * <p>Why Redis for the plan: it is the store the run's progress already lives in, so plan and
 * progress are written, and lost, together: a resume never pairs one attempt's progress with
 * another's plan. If Redis loses both, the retry recovers them from the batches topic (see
 * {@code RunPlanning}). {@link #reclaim} takes a lease again that vanished with the data.
 */
public final class RedisRunLedger implements RunLedger {
    public static final String KEY_PREFIX = "sluice:run:";
    public static final Duration RETENTION = Duration.ofDays(30);
    private static final Logger LOG = LoggerFactory.getLogger(RedisRunLedger.class);
    private static final List<String> REQUIRED = List.of("fingerprint", "total", "windowStart", "windowEnd",
            "lastAckedSeq", "status", "updatedAt");

    private static final String CLAIM = """
            local cur = redis.call('GET', KEYS[1])
            if cur then return {0, cur, redis.call('PTTL', KEYS[1])} end
            local t = redis.call('INCR', KEYS[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            local v = t .. ' ' .. ARGV[1]
            redis.call('SET', KEYS[1], v, 'PX', ARGV[2])
            return {1, v, tonumber(ARGV[2])}
            """;
    /**
     * KEYS: owner, fence. ARGV: our lease value, holder, ttl ms, our token, retention ms. An owner value
     * naming this holder with another token is our own older lease (a snapshot from before an earlier
     * reclaim came back): taken again like a missing one. Holder names carry a random suffix per process.
     */
    private static final String RECLAIM = """
            local cur = redis.call('GET', KEYS[1])
            if cur == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
              return {1, cur, tonumber(ARGV[3])}
            end
            local floor = tonumber(ARGV[4])
            if cur then
              local sp = string.find(cur, ' ', 1, true)
              if not sp or string.sub(cur, sp + 1) ~= ARGV[2] then return {0, cur, redis.call('PTTL', KEYS[1])} end
              -- our own older lease, back with a snapshot taken before a reclaim: ours to take again
              local old = tonumber(string.sub(cur, 1, sp - 1)) or 0
              if old > floor then floor = old end
            end
            local f = tonumber(redis.call('GET', KEYS[2]) or '0')
            if f < floor then redis.call('SET', KEYS[2], floor) end
            local t = redis.call('INCR', KEYS[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[5])
            local v = t .. ' ' .. ARGV[2]
            redis.call('SET', KEYS[1], v, 'PX', ARGV[3])
            return {1, v, tonumber(ARGV[3])}
            """;
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """;
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            return redis.call('DEL', KEYS[1])
            """;
    /** KEYS: owner, record. ARGV: lease value, retention ms, field, value, ... */
    private static final String WRITE = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            redis.call('HSET', KEYS[2], unpack(ARGV, 3))
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            return 1
            """;
    /** KEYS: owner, record, plan. ARGV: lease value, retention ms, plan, field, value, ... */
    private static final String START = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            redis.call('DEL', KEYS[2])
            redis.call('HSET', KEYS[2], unpack(ARGV, 4))
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
            return 1
            """;

    private final RedisLink link;
    private final RedisClusterCommands<String, String> redis;
    private final String prefix;

    public RedisRunLedger(String uri, Duration timeout) {
        this(uri, timeout, KEY_PREFIX);
    }

    /** With a different key prefix, for tests sharing one Redis. */
    public RedisRunLedger(String uri, Duration timeout, String prefix) {
        this.link = RedisLink.open(uri, timeout, null);   // a server, Sentinel or Cluster: every key of a run shares its hash tag
        this.redis = link.sync();
        this.prefix = prefix;
    }

    public String key(String runId) {
        return prefix + "{" + runId + "}";
    }

    private String[] keys(String runId, String... suffixes) {
        String[] k = new String[suffixes.length];
        for (int i = 0; i < suffixes.length; i++) {
            k[i] = key(runId) + suffixes[i];
        }
        return k;
    }

    @Override
    public Optional<RunRecord> find(String runId) {
        Map<String, String> h = redis.hgetall(key(runId));
        if (h == null || h.isEmpty()) {
            return Optional.empty();
        }
        if (!h.keySet().containsAll(REQUIRED)) {
            LOG.warn("run {}: the ledger record {} is incomplete (fields {}; Redis lost data?); treating the run as new",
                    runId, key(runId), h.keySet());
            return Optional.empty();
        }
        Instant updatedAt = Instant.parse(h.get("updatedAt"));
        return Optional.of(new RunRecord(runId, h.get("fingerprint"), Long.parseLong(h.get("total")),
                new Window(Instant.parse(h.get("windowStart")), Instant.parse(h.get("windowEnd"))),
                Long.parseLong(h.get("lastAckedSeq")), RunStatus.valueOf(h.get("status")), updatedAt,
                h.containsKey("orgs") ? Long.parseLong(h.get("orgs")) : -1,
                h.containsKey("startedAt") ? Instant.parse(h.get("startedAt")) : updatedAt,
                h.containsKey("pacingMs") ? Duration.ofMillis(Long.parseLong(h.get("pacingMs"))) : null,
                h.containsKey("finishBy") ? Instant.parse(h.get("finishBy")) : null));
    }

    @Override
    public Optional<long[]> plan(String runId) {
        String text = redis.get(key(runId) + ":plan");
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PlanCodec.decode(text));
        } catch (IllegalArgumentException e) {
            LOG.warn("run {}: the frozen plan in {} cannot be read ({}); ignoring it", runId, key(runId) + ":plan", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public RunLease claim(String runId, String holder, Duration ttl) {
        List<Object> r = redis.eval(CLAIM, ScriptOutputType.MULTI, keys(runId, ":owner", ":fence"),
                holder, Long.toString(ttl.toMillis()), Long.toString(RETENTION.toMillis()));
        String value = (String) r.get(1);
        if ((Long) r.get(0) == 0) {
            throw new RunHeldException(runId, parse(value, (Long) r.get(2)));
        }
        return new RunLease(runId, Long.parseLong(value.substring(0, value.indexOf(' '))), holder, ttl);
    }

    @Override
    public RunLease reclaim(RunLease lease) {
        List<Object> r = redis.eval(RECLAIM, ScriptOutputType.MULTI, keys(lease.runId(), ":owner", ":fence"),
                lease.value(), lease.holder(), Long.toString(lease.ttl().toMillis()), Long.toString(lease.token()),
                Long.toString(RETENTION.toMillis()));
        String value = (String) r.get(1);
        if ((Long) r.get(0) == 0) {
            throw new RunHeldException(lease.runId(), parse(value, (Long) r.get(2)));
        }
        return new RunLease(lease.runId(), Long.parseLong(value.substring(0, value.indexOf(' '))), lease.holder(), lease.ttl());
    }

    private static RunLease.Holder parse(String value, long pttl) {
        int sp = value.indexOf(' ');
        return new RunLease.Holder(value.substring(sp + 1), Long.parseLong(value.substring(0, sp)),
                Duration.ofMillis(Math.max(0, pttl)));
    }

    @Override
    public boolean renew(RunLease lease) {
        Long ok = redis.eval(RENEW, ScriptOutputType.INTEGER, keys(lease.runId(), ":owner"),
                lease.value(), Long.toString(lease.ttl().toMillis()));
        return ok != null && ok == 1;
    }

    @Override
    public void release(RunLease lease) {
        redis.eval(RELEASE, ScriptOutputType.INTEGER, keys(lease.runId(), ":owner"), lease.value());
    }

    @Override
    public Optional<RunLease.Holder> holder(String runId) {
        String owner = key(runId) + ":owner";
        String v = redis.get(owner);
        return v == null ? Optional.empty() : Optional.of(parse(v, redis.pttl(owner)));
    }

    @Override
    public void start(RunLease lease, RunRecord record, long[] planIds) {
        List<String> args = new ArrayList<>();
        args.add(lease.value());
        args.add(Long.toString(RETENTION.toMillis()));
        args.add(PlanCodec.encode(planIds));
        fields(record).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        Long ok = redis.eval(START, ScriptOutputType.INTEGER, keys(record.runId(), ":owner", "", ":plan"),
                args.toArray(String[]::new));
        if (ok == null || ok != 1) {
            throw new LeaseLostException(lease);
        }
        String index = prefix + "index";
        redis.zadd(index, record.startedAt().toEpochMilli(), record.runId());
        redis.zremrangebyscore(index, io.lettuce.core.Range.create(0, (double) record.startedAt().minus(RETENTION).toEpochMilli()));
    }

    @Override
    public void update(RunLease lease, RunRecord record) {
        List<String> args = new ArrayList<>();
        args.add(lease.value());
        args.add(Long.toString(RETENTION.toMillis()));
        fields(record).forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        Long ok = redis.eval(WRITE, ScriptOutputType.INTEGER,
                new String[]{key(record.runId()) + ":owner", key(record.runId())}, args.toArray(String[]::new));
        if (ok == null || ok != 1) {
            throw new LeaseLostException(lease);
        }
    }

    @Override
    public List<String> recentRuns(int max) {
        return redis.zrevrange(prefix + "index", 0, max - 1);
    }

    private static Map<String, String> fields(RunRecord r) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("fingerprint", r.fingerprint());
        h.put("total", Long.toString(r.total()));
        h.put("windowStart", r.window().start().toString());
        h.put("windowEnd", r.window().end().toString());
        h.put("lastAckedSeq", Long.toString(r.lastAckedSeq()));
        h.put("status", r.status().name());
        h.put("updatedAt", r.updatedAt().toString());
        h.put("orgs", Long.toString(r.orgs()));
        h.put("startedAt", r.startedAt().toString());
        if (r.pacing() != null) {
            h.put("pacingMs", Long.toString(r.pacing().toMillis()));
        }
        if (r.finishBy() != null) {
            h.put("finishBy", r.finishBy().toString());
        }
        return h;
    }

    @Override
    public void close() {
        link.close();
    }
}
