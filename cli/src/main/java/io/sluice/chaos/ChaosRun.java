package io.sluice.chaos;

import io.sluice.kafka.TopicReader;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.chaos.FaultPlan.Planned;
import io.sluice.config.ConfigLoader;
import io.sluice.config.Durations;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SimulatorStats;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.messages.MessageCodec;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.SlotPool;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A chaos run across real processes: the broker, Redis and the Snuba simulator in this JVM; the
 * workers and the orchestrator as separate {@code java -jar sluice.jar} processes. Faults strike at
 * times drawn from the seed ({@link FaultPlan}); at the end the run waits, within a deadline, until
 * every org has a result, stops everything gracefully and checks the invariants ({@link Verdict}).
 */
public final class ChaosRun {
    /**
     * @param faultWindow  faults strike within this span after the run starts; the batches are paced over it too
     * @param stall        how long the downstream hangs in its stall
     * @param pacing       null: spread the batches over the fault window
     * @param timeout      give up waiting for the last result this long after the fault window
     * @param workDir      null: a fresh temp dir (logs, config, broker data)
     */
    public record Options(long seed, int orgs, int workers, int poolLimit, int downstreamLimit, Duration faultWindow,
                          Duration stall, int batchSize, Duration pacing, Duration latencyMedian, int maxInFlight,
                          Duration timeout, Path workDir) {

        public static Options defaults(long seed) {
            return new Options(seed, 3000, 3, 20, 40, Duration.ofMinutes(2), Duration.ofSeconds(20), 25, null,
                    Duration.ofMillis(50), 16, Duration.ofMinutes(5), null);
        }

        public Options withOrgs(int n) {
            return new Options(seed, n, workers, poolLimit, downstreamLimit, faultWindow, stall, batchSize, pacing,
                    latencyMedian, maxInFlight, timeout, workDir);
        }

        public Options withFaultWindow(Duration d) {
            return new Options(seed, orgs, workers, poolLimit, downstreamLimit, d, stall, batchSize, pacing,
                    latencyMedian, maxInFlight, timeout, workDir);
        }

        public Options withStall(Duration d) {
            return new Options(seed, orgs, workers, poolLimit, downstreamLimit, faultWindow, d, batchSize, pacing,
                    latencyMedian, maxInFlight, timeout, workDir);
        }

        public Options withTimeout(Duration d) {
            return new Options(seed, orgs, workers, poolLimit, downstreamLimit, faultWindow, stall, batchSize, pacing,
                    latencyMedian, maxInFlight, d, workDir);
        }

        Duration effectivePacing() {
            if (pacing != null) {
                return pacing;
            }
            long batches = Math.max(1, (orgs + batchSize - 1) / batchSize);
            return Duration.ofMillis(faultWindow.toMillis() * 9 / 10 / batches);
        }

        Options validate() {
            require(orgs >= 1, "--orgs " + orgs + " is invalid; valid: >= 1");
            require(workers >= 1, "--workers " + workers + " is invalid; valid: >= 1");
            require(poolLimit >= 1, "--limit " + poolLimit + " is invalid; valid: >= 1");
            require(downstreamLimit >= poolLimit, "--downstream-limit " + downstreamLimit
                    + " is below --limit " + poolLimit + "; valid: >= the pool limit (the pool is what keeps the downstream safe)");
            require(batchSize >= 1, "--batch-size " + batchSize + " is invalid; valid: >= 1");
            require(faultWindow.toSeconds() >= 20, "--duration " + Durations.format(faultWindow) + " is too short; valid: >= 20s");
            require(!stall.isNegative() && stall.compareTo(faultWindow) < 0,
                    "--stall " + Durations.format(stall) + " is invalid; valid: 0s up to --duration");
            return this;
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /**
     * The lease TTL outlasts the longest query the downstream may still be running for a holder that
     * died (here: a stall), the rule docs/RELIABILITY.md gives for production. With a shorter TTL a
     * killed worker's slots return while its orphaned queries still run, and the downstream sees
     * more than the pool limit (found by the 5-minute run: 28 against 20). The run's config says so as
     * {@code downstream.max-query-time}, which {@code slots.lease-ttl} may not be below.
     */
    private Duration leaseTtl() {
        return o.stall().plusSeconds(3);
    }
    /**
     * The client's {@code snuba.timeout}: shorter than a stall and than a slow-past-timeout storm's queries, so that
     * both leave queries running at the downstream that nobody waits for; their slots must stay held until
     * {@code downstream.max-query-time}.
     */
    private static final Duration SNUBA_TIMEOUT = Duration.ofSeconds(2);

    /** A slow-past-timeout storm's query: past {@link #SNUBA_TIMEOUT}, within the declared max-query-time. */
    private Duration slowQuery() {
        return SNUBA_TIMEOUT.plusSeconds(1);
    }

    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final Options o;
    private final PrintStream out;
    private long t0Nanos;

    public ChaosRun(Options options, PrintStream out) {
        this.o = options.validate();
        this.out = out;
    }

    public ChaosReport run() throws Exception {
        // Brokers going away on purpose: this JVM's clients would log every reconnect attempt.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        long startNanos = System.nanoTime();
        Path work = o.workDir() != null ? Files.createDirectories(o.workDir()) : Files.createTempDirectory("sluice-chaos-");
        Path logs = Files.createDirectories(work.resolve("logs"));
        Path jar = ChildJvm.locateJar();
        FaultPlan plan = FaultPlan.draw(o.seed(), o.faultWindow(), o.stall());
        Duration pacing = o.effectivePacing();
        out.printf("sluice chaos: seed %d, %d orgs in batches of %d every %s, %d workers, pool limit %d, downstream limit %d, "
                        + "latency median %s, %d faults planned over %s%n", o.seed(), o.orgs(), o.batchSize(),
                Durations.format(pacing), o.workers(), o.poolLimit(), o.downstreamLimit(),
                Durations.format(o.latencyMedian()), plan.faults().size(), Durations.format(o.faultWindow()));
        out.println("work dir " + work + ", jar " + jar);

        int[] ports = freePorts(3);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokerPort(ports[0]).controllerPort(ports[1])
                .logDir(work.resolve("kafka"))
                // A SIGKILLed worker's partitions move after the session timeout: 45 s by default, shorter here.
                .brokerProperty("group.consumer.session.timeout.ms", "8000")
                .build().start();
             EmbeddedRedis redis = EmbeddedRedis.builder().port(ports[2]).build().start();
             // Replicates the primary, for the lagging fail-over fault; no client talks to it directly.
             EmbeddedRedis replica = EmbeddedRedis.builder().arg("--replicaof", "127.0.0.1", Integer.toString(ports[2]))
                     .build().start();
             SnubaSimulator snuba = new SnubaSimulator(SnubaSimulator.Options.defaults()
                     .withLimit(o.downstreamLimit()).withSeed(o.seed())
                     .withLatency(LatencyModel.logNormal(o.latencyMedian(), 0.5))
                     .withMaxStall(o.stall().plusSeconds(10))).start()) {
            Path configFile = work.resolve("sluice-chaos.yaml");
            Files.writeString(configFile, yaml(kafka.bootstrapServers(), redis.uri(), snuba.url(), pacing));
            SluiceConfig cfg = new ConfigLoader().load(configFile, Map.of(), Map.of());
            // Pools are declared before they are used; not as new, so the first grants wait out a lease TTL as before.
            RedisPoolAdmin.apply(redis.uri(), cfg.redis().timeout(), new PoolDeclaration(cfg.slots().pool(), o.poolLimit(),
                    java.util.List.of()), cfg.slots().leaseTtl(), false);
            Admin admin = KafkaClients.admin(cfg.kafka());
            try {
                KafkaClients.ensureTopics(admin, cfg.kafka(), Duration.ofSeconds(30));
            } finally {
                admin.close(Duration.ofSeconds(10));
            }
            out.printf("servers up: Kafka %s, Redis %s, Snuba simulator %s; config %s%n", kafka.bootstrapServers(),
                    redis.uri(), snuba.url(), configFile);

            String runId = "r-chaos-s" + o.seed() + "-"
                    + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
            TopicReader reader = new TopicReader(cfg.kafka());
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("chaos-faults").daemon().factory());
            try (Fleet fleet = new Fleet(jar, configFile, logs, runId, o.orgs(), this::log);
                 OutputTally tally = new OutputTally(reader.readerProps("chaos-tally"), cfg.kafka().topics().results(),
                         cfg.kafka().topics().deadLetter(), cfg.kafka().topics().partitions());
                 InFlightWatch watch = new InFlightWatch(snuba::inFlight, o.poolLimit(), this::elapsedMillis)) {
                for (int i = 0; i < o.workers(); i++) {
                    fleet.startWorker();
                }
                t0Nanos = System.nanoTime();
                fleet.startOrchestrator();
                log("run " + runId + " started: orchestrator and " + o.workers() + " workers launched");
                FaultInjector injector = new FaultInjector(kafka, redis, replica, work, snuba, fleet, cfg, o.seed(), slowQuery(), scheduler,
                        this::elapsedMillis, this::log);
                AtomicInteger pending = schedule(plan, injector, scheduler);

                BooleanSupplier outputsDone = () -> fleet.orchestratorFinished() && pending.get() == 0
                        && tally.orgsWithResults() >= o.orgs()
                        && injector.poisonKeys().stream().allMatch(tally::deadLettered);
                long deadline = t0Nanos + o.faultWindow().plus(o.timeout()).toNanos();
                boolean done = waitUntil(deadline, outputsDone, () -> progress(fleet, tally, snuba, pending.get()));
                double elapsed = elapsedMillis() / 1000.0;
                log(done ? "every org has a result; waiting for the workers to commit everything"
                        : "DEADLINE: giving up waiting for the outputs");
                if (done) {
                    waitUntil(Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(60)),
                            () -> committed(reader, cfg), () -> log("waiting for commits"));
                }
                scheduler.shutdownNow();
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
                injector.calm();
                log("stopping the workers (SIGTERM) " + fleet.stopWorkers(STOP_GRACE));
                int inUse = poolDrained(cfg);
                log("pool in use after reaping: " + inUse);
                SimulatorStats stats = snuba.stats();
                io.sluice.job.Job job = io.sluice.job.Jobs.configured(cfg).get(io.sluice.messages.Batch.JOB_SPIKE_PROJECTION);
                Verdict verdict = Verdict.check(reader, cfg, job, job.resultsTopic(io.sluice.job.Jobs.settings(cfg, job.name())),
                        snuba.data(), runId, o.orgs(), injector.poisonKeys());
                List<String> violations = new ArrayList<>(verdict.violations());
                if (stats.maxPeakInFlight() > o.poolLimit()) {
                    violations.add("the downstream saw " + stats.maxPeakInFlight() + " queries at once, over the pool limit "
                            + o.poolLimit() + "; moments over the limit: " + watch.overLimit());
                }
                if (inUse != 0) {
                    violations.add("the pool still has " + inUse + " leases in use after every worker stopped and a reap");
                }
                if (!done) {
                    violations.add(0, "not every org had a result (or not every poison record was dead-lettered) within "
                            + Durations.format(o.faultWindow().plus(o.timeout())));
                }
                fleet.unexpectedExits().forEach(e -> violations.add("unexpected process exit: " + e));
                ChaosReport report = new ChaosReport(o.seed(), runId, o.orgs(), o.workers(), o.poolLimit(), o.downstreamLimit(),
                        o.faultWindow().toMillis() / 1000.0, elapsed, (System.nanoTime() - startNanos) / 1e9,
                        injector.injected(), verdict.orgsWithResults(), verdict.lost().size(), sample(verdict.lost()),
                        verdict.wrong().size(), sample(verdict.wrong()), injector.poisonKeys(), verdict.deadLetters(),
                        verdict.unexpectedDeadLetters(), verdict.missingDeadLetters(), stats.maxPeakInFlight(),
                        stats.requests(), stats.rateLimited(), stats.serverErrors(), verdict.uncommitted(), inUse,
                        fleet.workersStarted(), fleet.orchestratorStarts(), fleet.unexpectedExits(), violations,
                        logs.toString(), verdict.duplicateResults(), verdict.duplicateDeadLetters(),
                        verdict.republishedOrgs(), verdict.regressed().size());
                out.print(report.render());
                return report;
            } finally {
                scheduler.shutdownNow();
            }
        }
    }

    /** Writes the report as JSON. */
    public static void writeJson(ChaosReport report, Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(path, MessageCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(report));
    }

    private AtomicInteger schedule(FaultPlan plan, FaultInjector injector, ScheduledExecutorService scheduler) {
        AtomicInteger pending = new AtomicInteger();
        for (Planned f : plan.faults()) {
            pending.incrementAndGet();
            scheduler.schedule(guarded(f.kind() + " start", () -> {
                injector.inject(f);
                if (f.length().isZero()) pending.decrementAndGet();
            }), f.at().toMillis(), TimeUnit.MILLISECONDS);
            if (!f.length().isZero()) {
                scheduler.schedule(guarded(f.kind() + " end", () -> {
                    injector.end(f.kind());
                    pending.decrementAndGet();
                }), f.at().plus(f.length()).toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return pending;
    }

    private Runnable guarded(String what, Runnable action) {
        return () -> {
            try {
                action.run();
            } catch (RuntimeException e) {
                log("fault " + what + " could not be injected: " + e);
            }
        };
    }

    /** Polls {@code condition} every 500 ms until it holds or {@code deadlineNanos}; {@code tick} every 10 s. */
    private static boolean waitUntil(long deadlineNanos, BooleanSupplier condition, Runnable tick) throws InterruptedException {
        long nextTick = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            if (System.nanoTime() > nextTick) {
                tick.run();
                nextTick = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            }
            TimeUnit.MILLISECONDS.sleep(500);   // the poll interval of the condition
        }
        return true;
    }

    private boolean committed(TopicReader reader, SluiceConfig cfg) {
        try {
            return TopicReader.allCommitted(reader.committedVsEnd(cfg.kafka().consumer().get("group.id")));
        } catch (Exception e) {
            return false;
        }
    }

    /** Leases of killed workers lapse within the TTL: reap and read the pool until it is empty or a deadline. */
    private int poolDrained(SluiceConfig cfg) throws InterruptedException {
        try (SlotPool pool = Gates.pool(cfg, "chaos-check", new SimpleMeterRegistry())) {
            long deadline = System.nanoTime() + leaseTtl().multipliedBy(3).plusSeconds(5).toNanos();
            int[] inUse = {-1};
            waitUntil(deadline, () -> {
                pool.reap();
                inUse[0] = pool.status().inUse();
                return inUse[0] == 0;
            }, () -> { });
            return inUse[0];
        }
    }

    private void progress(Fleet fleet, OutputTally tally, SnubaSimulator snuba, int pendingFaults) {
        log(String.format("%d/%d orgs have a result, %d dead-letter keys, downstream in flight %d, peak %d, "
                        + "%d workers alive, orchestrator %s, %d faults to come", tally.orgsWithResults(), o.orgs(),
                tally.deadLetterKeys(), snuba.inFlight(), snuba.stats().maxPeakInFlight(), fleet.workers().size(),
                fleet.orchestratorFinished() ? "finished" : "publishing", pendingFaults));
    }

    private String yaml(String bootstrap, String redisUri, String snubaUrl, Duration pacing) {
        // Short TTLs and back-offs so that crashes heal in seconds; max-attempts high so storms never exhaust an org.
        Duration snubaTimeout = SNUBA_TIMEOUT;
        return """
                kafka:
                  bootstrap-servers: %s
                  topics:
                    batches: chaos.org-batches
                    results: chaos.spike-projections
                    dead-letter: chaos.org-batches.dlt
                    partitions: 12
                    replication-factor: 1
                  consumer:
                    group.id: chaos-workers
                  # The per-org publish lock lives max.block.ms + max(delivery.timeout.ms, transaction.timeout.ms)
                  # + 15 s (35 s here, 195 s with Kafka's defaults): a SIGKILLed worker's lock must lapse well within
                  # this run's deadline, and a rebuild of lost watermarks waits that long before any query runs, so
                  # the storms that follow a Redis data loss still meet work.
                  producer:
                    max.block.ms: 5000
                    request.timeout.ms: 10000
                    delivery.timeout.ms: 15000
                    transaction.timeout.ms: 15000
                redis:
                  uri: %s
                  timeout: 1s
                slots:
                  pool: chaos
                  limit: %d
                  lease-ttl: %s
                  renew-every: 1s
                snuba:
                  url: %s
                  timeout: %s
                downstream:
                  max-query-time: %s
                orchestrator:
                  batch-size: %d
                  pacing: %s
                  lease-ttl: 5s
                worker:
                  max-in-flight: %d
                  shutdown-grace: 3s
                  retry:
                    max-attempts: 50
                    initial-backoff: 100ms
                    max-backoff: 2s
                metrics:
                  bind: 127.0.0.1
                  port: 0
                """.formatted(bootstrap, redisUri, o.poolLimit(), Durations.format(leaseTtl()), snubaUrl,
                Durations.format(snubaTimeout), Durations.format(leaseTtl()), o.batchSize(), Durations.format(pacing), o.maxInFlight());
    }

    private long elapsedMillis() {
        return t0Nanos == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0Nanos);
    }

    private void log(String line) {
        if (line.startsWith("[")) {
            out.println(line);
        } else {
            out.printf("[%7.1fs] %s%n", elapsedMillis() / 1000.0, line);
        }
        out.flush();
    }

    private static List<Long> sample(List<Long> ids) {
        return ids.subList(0, Math.min(20, ids.size()));
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                s.setReuseAddress(true);
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }
}
