package io.sluice.chaos;

import io.sluice.chaos.FaultPlan.Kind;
import io.sluice.chaos.FaultPlan.Planned;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.snuba.Faults;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.Window;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Carries out the planned faults against the stack, one at a time on the scheduler's thread, and
 * logs each with the time it really struck. Storms may overlap; the simulator's faults are the
 * union of the storms active at the moment.
 */
final class FaultInjector {
    static final double ERROR_RATIO = 0.3;
    static final double EXTRA_429_RATIO = 0.3;
    static final double SLOWDOWN = 10;
    /** Share of queries that run past the client's {@code snuba.timeout} during a slow-past-timeout storm. */
    static final double SLOW_RATIO = 0.2;
    private static final Duration ORCHESTRATOR_DOWN = Duration.ofSeconds(2);

    /** The fault as it happened: {@code atMillis} after the run started. */
    record Injected(long atMillis, String kind, String detail) {
    }

    private static final List<String> POISON_VALUES = List.of(
            "this is not JSON {",
            "{\"v\":2,\"job\":\"spike-projection\",\"runId\":\"from-the-future\",\"seq\":0,\"orgIds\":[1],"
                    + "\"window\":{\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-28T00:00:00Z\"}}",
            "{\"v\":1,\"job\":\"spike-projection\",\"runId\":\"no-orgs\",\"seq\":0}",
            "[1,2,3]");

    private final EmbeddedKafka kafka;
    private final EmbeddedRedis redis;
    private final EmbeddedRedis replica;
    private final Path work;
    private Path snapshot;
    private Path olderEpoch;
    private final Duration slowQuery;
    private final SnubaSimulator snuba;
    private final Fleet fleet;
    private final SluiceConfig config;
    private final long seed;
    private final LongSupplier elapsedMillis;
    private final Consumer<String> log;
    private final List<Injected> injected = new CopyOnWriteArrayList<>();
    private final List<String> poisonKeys = new CopyOnWriteArrayList<>();
    private final Set<Kind> activeStorms = EnumSet.noneOf(Kind.class);
    private final ScheduledExecutorService scheduler;
    private ChildJvm joined;

    /** {@code slowQuery}: how long a query of a slow-past-timeout storm runs, past snuba.timeout, within downstream.max-query-time. */
    FaultInjector(EmbeddedKafka kafka, EmbeddedRedis redis, EmbeddedRedis replica, Path work, SnubaSimulator snuba, Fleet fleet, SluiceConfig config,
                  long seed, Duration slowQuery, ScheduledExecutorService scheduler, LongSupplier elapsedMillis, Consumer<String> log) {
        this.kafka = kafka;
        this.redis = redis;
        this.replica = replica;
        this.work = work;
        this.snuba = snuba;
        this.fleet = fleet;
        this.config = config;
        this.seed = seed;
        this.slowQuery = slowQuery;
        this.scheduler = scheduler;
        this.elapsedMillis = elapsedMillis;
        this.log = log;
    }

    List<Injected> injected() {
        return List.copyOf(injected);
    }

    List<String> poisonKeys() {
        return List.copyOf(poisonKeys);
    }

    /** Starts the fault (the second step of a fault with a length is {@link #end}). */
    void inject(Planned f) {
        switch (f.kind()) {
            case WORKER_KILL -> killWorker(f.pick());
            case REDIS_RESTART -> timed("redis-restart", "data lost (no persistence), same port", redis::restart);
            case REDIS_OLD_SNAPSHOT -> {
                snapshot = redis.snapshot(work.resolve("redis-old-snapshot.rdb"));
                record("redis-snapshot", "SAVE, kept aside; restored in " + f.length().toMillis() + " ms");
            }
            case REDIS_OLDER_EPOCH -> timed("redis-epoch-change", "SAVE kept aside, then restarted empty: a new epoch begins; "
                    + "the older epoch's snapshot is restored in " + f.length().toMillis() + " ms", () -> {
                        olderEpoch = redis.snapshot(work.resolve("redis-older-epoch.rdb"));
                        redis.restart();
                    });
            case WATERMARKS_LOST -> {
                Object n = redis.call("EVAL", "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
                        + "redis.call('DEL', k) n = n + 1 end return n", "0", "sluice:wm:*");
                record("watermarks-lost", n + " watermark keys deleted (epoch included)");
            }
            case OLDER_WINDOW_REPLAY -> replayOlderWindow(f.pick());
            case REDIS_LAGGING_FAILOVER -> {
                replica.call("REPLICAOF", "NO", "ONE");
                record("redis-replica-lags", "the replica stops receiving writes; the primary fails over to it in "
                        + f.length().toMillis() + " ms");
            }
            case KAFKA_RESTART -> timed("kafka-restart", "same ports and log dir", kafka::restart);
            case ERROR_STORM, RATE_LIMIT_STORM, SLOWDOWN, SLOW_PAST_TIMEOUT, STALL -> startStorm(f.kind(), f.length());
            case POISON -> poison(f.pick());
            case WORKER_JOIN -> {
                joined = fleet.startWorker();
                record("worker-join", joined.name() + " (pid " + joined.pid() + ") joins the group");
            }
            case WORKER_LEAVE -> {
                if (joined != null && joined.isAlive()) {
                    long start = System.nanoTime();
                    int code = joined.terminate(Duration.ofSeconds(30));
                    record("worker-leave", joined.name() + " SIGTERM, exited " + code + " after "
                            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
                    if (code != 0) {
                        // A SIGTERM is a graceful stop: drained, committed, leases released, exit 0.
                        fleet.unexpectedExit(joined.name() + " exited " + code + " on SIGTERM, not 0 (log " + joined.log() + ")");
                    }
                }
            }
            case ORCHESTRATOR_KILL -> killOrchestrator();
        }
    }

    /** The second step of a fault with a length: a storm's end, or a Redis rollback. */
    void end(Kind kind) {
        switch (kind) {
            case REDIS_OLD_SNAPSHOT -> timed("redis-old-snapshot", "restarted from the snapshot: every write since it is lost",
                    () -> redis.restartFrom(snapshot));
            case REDIS_OLDER_EPOCH -> timed("redis-older-epoch", "restarted from the older epoch's snapshot: the new epoch's "
                    + "grants are lost while their queries may run", () -> redis.restartFrom(olderEpoch));
            case REDIS_LAGGING_FAILOVER -> timed("redis-lagging-failover", "the primary died; the lagging replica's data "
                    + "now serves at the primary's address (as a Service or Sentinel re-points clients)", () -> {
                        Path lagging = replica.snapshot(work.resolve("redis-lagging-replica.rdb"));
                        redis.restartFrom(lagging);
                        replica.call("REPLICAOF", redis.host(), Integer.toString(redis.port()));
                    });
            default -> endStorm(kind);
        }
    }

    private void endStorm(Kind kind) {
        synchronized (activeStorms) {
            activeStorms.remove(kind);
            snuba.faults(current());
        }
        record(name(kind) + "-end", "back to normal for this storm");
    }

    /** Clears every downstream fault (the run's end). */
    void calm() {
        synchronized (activeStorms) {
            activeStorms.clear();
            snuba.faults(Faults.none());
        }
    }

    private void startStorm(Kind kind, Duration length) {
        synchronized (activeStorms) {
            activeStorms.add(kind);
            snuba.faults(current());
        }
        String what = switch (kind) {
            case ERROR_STORM -> ERROR_RATIO + " of queries answered 500";
            case RATE_LIMIT_STORM -> EXTRA_429_RATIO + " of queries answered 429 below the limit";
            case SLOWDOWN -> "latency x" + (int) SLOWDOWN;
            case SLOW_PAST_TIMEOUT -> SLOW_RATIO + " of queries run " + slowQuery.toMillis() + " ms, past the client's timeout";
            default -> "admitted queries held (in flight, slots held)";
        };
        record(name(kind), what + " for " + length.toMillis() + " ms");
    }

    private Faults current() {
        Faults f = Faults.none();
        if (activeStorms.contains(Kind.ERROR_STORM)) f = f.withErrorRatio(ERROR_RATIO);
        if (activeStorms.contains(Kind.RATE_LIMIT_STORM)) f = f.withExtra429Ratio(EXTRA_429_RATIO);
        if (activeStorms.contains(Kind.SLOWDOWN)) f = f.withSlowdown(SLOWDOWN);
        if (activeStorms.contains(Kind.SLOW_PAST_TIMEOUT)) f = f.withSlowQueries(SLOW_RATIO, slowQuery);
        if (activeStorms.contains(Kind.STALL)) f = f.withStall(true);
        return f;
    }

    private void killWorker(int pick) {
        List<ChildJvm> live = fleet.workers().stream().filter(w -> w != joined).toList();
        if (live.isEmpty()) {
            record("worker-kill", "skipped: no worker alive");
            return;
        }
        ChildJvm victim = live.get(pick % live.size());
        victim.kill();
        ChildJvm replacement = fleet.startWorker();
        record("worker-kill", victim.name() + " (pid " + victim.pid() + ") SIGKILL; replacement " + replacement.name());
    }

    private void killOrchestrator() {
        if (!fleet.killOrchestrator()) {
            record("orchestrator-kill", "skipped: the run had already published every batch");
            return;
        }
        record("orchestrator-kill", "SIGKILL; resuming with the same run id in " + ORCHESTRATOR_DOWN.toMillis() + " ms");
        scheduler.schedule(() -> {
            fleet.startOrchestrator();
            record("orchestrator-resume", "started again with the same run id");
        }, ORCHESTRATOR_DOWN.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Publishes a batch of an older window (a day earlier) for 25 orgs, as a backfill replayed by mistake would: every
     * org's latest result must stay the run's window, whatever the watermarks went through.
     */
    private void replayOlderWindow(int pick) {
        List<Long> orgs = java.util.stream.LongStream.rangeClosed(1, 25).map(i -> 1 + (pick + i * 37L) % 1000).boxed().toList();
        Batch older = new Batch(1, Batch.JOB_SPIKE_PROJECTION, OLDER_RUN, 0, orgs,
                new Window(OLDER_WINDOW_START, OLDER_WINDOW_START.plus(Duration.ofDays(7))), java.time.Instant.now());
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), "chaos-older-replay")) {
            p.send(new ProducerRecord<>(config.kafka().topics().batches(), older.key().getBytes(StandardCharsets.UTF_8),
                    MessageCodec.encode(older))).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            record("older-window-replay", "FAILED to produce: " + e);
            return;
        }
        record("older-window-replay", orgs.size() + " orgs of window " + older.window() + " (run " + OLDER_RUN + ")");
    }

    /** The run id and window start of the older-window replay; the verdict ignores that run's results but for regressions. */
    static final String OLDER_RUN = "chaos-older-window";
    static final java.time.Instant OLDER_WINDOW_START = java.time.Instant.parse("2020-01-01T00:00:00Z");

    private void poison(int pick) {
        String key = "poison-" + seed + "-" + (poisonKeys.size() + 1);
        String value = POISON_VALUES.get(pick % POISON_VALUES.size());
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), "chaos-poison")) {
            p.send(new ProducerRecord<>(config.kafka().topics().batches(), key.getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            record("poison", "FAILED to produce " + key + ": " + e);
            return;
        }
        poisonKeys.add(key);
        record("poison", key + " = " + abbreviate(value));
    }

    private void timed(String kind, String detail, Runnable action) {
        long at = elapsedMillis.getAsLong();
        long start = System.nanoTime();
        action.run();
        record(at, kind, detail + ", back after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    }

    private void record(String kind, String detail) {
        record(elapsedMillis.getAsLong(), kind, detail);
    }

    private void record(long atMillis, String kind, String detail) {
        Injected i = new Injected(atMillis, kind, detail);
        injected.add(i);
        log.accept(String.format("[%7.1fs] fault %-22s %s", i.atMillis() / 1000.0, kind, detail));
    }

    private static String name(Kind kind) {
        return kind.name().toLowerCase().replace('_', '-');
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
