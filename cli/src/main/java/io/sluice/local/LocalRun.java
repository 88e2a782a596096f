package io.sluice.local;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.config.Durations;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SimulatorStats;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.job.Job;
import io.sluice.job.Jobs;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.orchestrator.KafkaBacklogProbe;
import io.sluice.orchestrator.OrchestratorMetrics;
import io.sluice.orchestrator.OrchestratorRun;
import io.sluice.orchestrator.ProgressReporter;
import io.sluice.orchestrator.RunResult;
import io.sluice.orgs.RangeOrgSource;
import io.sluice.worker.Worker;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything in one process on embedded defaults: a KRaft broker, Redis, the Snuba simulator, one
 * orchestrator run and W workers; live progress; a final report and a chart.
 */
public final class LocalRun {
    /** @param pacing null: spread the batches over about a minute */
    /** @param finishWithin null: the config default; @param maxBacklog negative: the config default */
    public record Options(int orgs, int workers, int limit, int downstreamLimit, Duration latencyMedian, Duration pacing,
                          int batchSize, int maxInFlight, boolean slots, Path chart, Path report, Duration timeout,
                          Duration finishWithin, long maxBacklog, boolean exactlyOnce, Duration consumerHeartbeat,
                          boolean workerProcesses, String job) {
        public Options(int orgs, int workers, int limit, int downstreamLimit, Duration latencyMedian, Duration pacing,
                       int batchSize, int maxInFlight, boolean slots, Path chart, Path report, Duration timeout) {
            this(orgs, workers, limit, downstreamLimit, latencyMedian, pacing, batchSize, maxInFlight, slots, chart, report,
                    timeout, null, -1, true, EmbeddedKafka.TEST_CONSUMER_HEARTBEAT, false, Batch.JOB_SPIKE_PROJECTION);
        }
    }

    private volatile ResultCheck check;

    private static final Duration TARGET_PUBLISH_SPAN = Duration.ofSeconds(55);
    /** How often the downstream is sampled for {@link RunFigures}: finer than the shortest stall it counts. */
    static final long FIGURES_SAMPLE_MILLIS = 5;

    private final Options o;
    private final PrintStream out;
    private final boolean terminal;

    public LocalRun(Options options, PrintStream out, boolean terminal) {
        this.o = options;
        this.out = out;
        this.terminal = terminal;
    }

    /** The default pacing: the run's batches spread over about a minute. */
    static Duration autoPacing(int orgs, int batchSize) {
        long batches = Math.max(1, (orgs + batchSize - 1) / batchSize);
        return Duration.ofMillis(TARGET_PUBLISH_SPAN.toMillis() / batches);
    }

    public LocalReport run() throws Exception {
        Duration pacing = o.pacing() != null ? o.pacing() : autoPacing(o.orgs(), o.batchSize());
        out.printf("sluice local: job %s, %d orgs in batches of %d, pacing %s%s, %d workers, pool limit %s, downstream limit %d, latency median %s%n",
                o.job(), o.orgs(), o.batchSize(), Durations.format(pacing),
                o.pacing() == null ? " (so that the run takes about a minute; --pacing 0 sends everything at once)" : "",
                o.workers(), o.slots() ? Integer.toString(o.limit()) : "OFF (--no-slots)", o.downstreamLimit(),
                Durations.format(o.latencyMedian()));
        out.println("starting embedded Kafka (KRaft), Redis and the Snuba simulator...");
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().consumerHeartbeat(o.consumerHeartbeat()).build().start();
             EmbeddedRedis redis = EmbeddedRedis.builder().build().start();
             SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(o.downstreamLimit())
                     .withLatency(LatencyModel.logNormal(o.latencyMedian(), 0.5))).start()) {
 out.printf("servers up in %.1f s: Kafka %s, Redis %s, Snuba simulator %s%n", (System.nanoTime() - t0) / 1e9,
                    kafka.bootstrapServers(), redis.uri(), sim.url());
            String runId = "r-local-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
            Map<String, String> overrides = new HashMap<>();
            overrides.put("kafka.bootstrap-servers", kafka.bootstrapServers());
            overrides.put("redis.uri", redis.uri());
            overrides.put("snuba.url", sim.url());
            overrides.put("slots.limit", Integer.toString(o.limit()));
            overrides.put("slots.enabled", Boolean.toString(o.slots()));
            overrides.put("slots.pool", "sluice-local");
            overrides.put("slots.assume-new-pool", "true"); // the embedded Redis started above has never held it
            overrides.put("orchestrator.batch-size", Integer.toString(o.batchSize()));
            overrides.put("orchestrator.pacing", Durations.format(pacing));
            overrides.put("worker.max-in-flight", Integer.toString(o.maxInFlight()));
            overrides.put("worker.retry.initial-backoff", "200ms");
            overrides.put("worker.retry.max-backoff", "5s");
            overrides.put("worker.retry.max-attempts", "20");
            overrides.put("worker.shutdown-grace", "5s");
            overrides.put("worker.exactly-once", Boolean.toString(o.exactlyOnce()));
            if (o.finishWithin() != null) {
                overrides.put("orchestrator.finish-within", Durations.format(o.finishWithin()));
                overrides.put("orchestrator.query-time", Durations.format(o.latencyMedian().isZero()
                        ? Duration.ofMillis(1) : o.latencyMedian()));
            }
            if (o.maxBacklog() >= 0) {
                overrides.put("orchestrator.max-backlog", Long.toString(o.maxBacklog()));
            }
            SluiceConfig cfg = new ConfigLoader().load(null, Map.of(), overrides);
            Jobs jobs = Jobs.configured(cfg);
            Job job = jobs.get(o.job());
            String resultsTopic = job.resultsTopic(Jobs.settings(cfg, job.name()));
            if (o.slots()) {
                // Pools are declared before they are used (new: this Redis has never held it, so not fenced).
                RedisPoolAdmin.apply(redis.uri(), cfg.redis().timeout(), new PoolDeclaration(cfg.slots().pool(), o.limit(), List.of()),
                        cfg.slots().leaseTtl(), true);
            }
            Admin admin = KafkaClients.admin(cfg.kafka());
            try {
                KafkaClients.ensureTopics(admin, cfg.kafka(), Duration.ofSeconds(30), jobs.resultsTopics(cfg));
            } finally {
                admin.close(Duration.ofSeconds(10));
            }

            List<Worker> workers = new ArrayList<>();
            WorkerProcesses processes = null;
            SimpleMeterRegistry orchestratorMeters = new SimpleMeterRegistry();
            // Orgs published: batches acknowledged by the broker. A stall counts only while published orgs wait.
            io.micrometer.core.instrument.Counter batchesPublished = orchestratorMeters.counter(OrchestratorMetrics.BATCHES_PUBLISHED);
            try (Tally tally = new Tally(cfg, resultsTopic);
                 InFlightSampler sampler = new InFlightSampler(sim::inFlight, 50);
                 InFlightSampler fine = new InFlightSampler(sim::inFlight, sim::requests,
                         () -> Math.min(o.orgs(), (long) batchesPublished.count() * o.batchSize()), FIGURES_SAMPLE_MILLIS);
                 CpuSampler cpu = new CpuSampler(System.nanoTime());
                 InFlightSampler offered = new InFlightSampler(() -> workers.stream().mapToInt(w -> w.loop().inFlight()).sum(), 20)) {
                if (o.workerProcesses()) {
                    processes = new WorkerProcesses(o.workers(), overrides, o.chart().toAbsolutePath().resolveSibling("workers"));
                    processes.awaitStarted(Duration.ofSeconds(90));
                } else {
                    for (int i = 0; i < o.workers(); i++) {
                        SimpleMeterRegistry registry = new SimpleMeterRegistry();
                        String id = "local-w" + i;
                        workers.add(new Worker(id, cfg, jobs, Gates.open(cfg, id, registry), registry).start());
                    }
                }
                out.printf("%d workers started in %.1f s%s%n", o.workers(), (System.nanoTime() - t0) / 1e9,
                        o.workerProcesses() ? " (processes of their own; logs in " + o.chart().toAbsolutePath().resolveSibling("workers") + ")" : "");
                double settled = GroupSettled.await(cfg, o.workers(), Duration.ofSeconds(60));
                out.printf("consumer group settled in %.1f s (every worker holds its partitions) at %.1f s%n", settled,
                        (System.nanoTime() - t0) / 1e9);
                OrchestratorRun orchestrator = OrchestratorRun.builder(cfg, new RangeOrgSource(1, o.orgs()))
                        .runId(runId).job(job).registry(orchestratorMeters).progress(ProgressReporter.none()).build();
                // The backlog as the orchestrator bounds it: the worker group's lag on the batches topic, in orgs
                // (KafkaBacklogProbe). Published minus tallied was the measure before: the tally reads results
                // some 200 ms after their commit, so at 700 orgs/s it read ~150 orgs over a bound that held.
                // Without a bound: published minus tallied, which needs no admin round trips.
                KafkaBacklogProbe backlogProbe = cfg.orchestrator().maxBacklog() > 0
                        ? new KafkaBacklogProbe(cfg, "sluice-local-backlog") : null;
                InFlightSampler backlog = backlogProbe != null
                        // an admin round trip to the broker per sample: once a second
                        ? new InFlightSampler(() -> (int) Math.min(o.orgs(), backlogProbe.unfinishedOrgs().orElse(0)), 1_000)
                        : new InFlightSampler(() -> (int) Math.max(0, Math.min(o.orgs(), (long) batchesPublished.count()
                                * o.batchSize()) - tally.finished()), 200);
                AtomicReference<RunResult> published = new AtomicReference<>();
                Thread publisher = Thread.ofPlatform().name("sluice-local-orchestrator")
                        .start(() -> published.set(orchestrator.run()));

                out.printf("orchestrator run %s starting at %.1f s%n", runId, (System.nanoTime() - t0) / 1e9);
                long start = System.nanoTime();
                String loadBefore = loadAverage();
                long cpuStart = processCpuNanos();
                double childCpuStart = processes != null ? processes.cpuSeconds() : 0;
                long deadline = start + o.timeout().toNanos();
                long lastLine = 0;
                while (tally.finished() < o.orgs() && System.nanoTime() < deadline) {
                    RunResult r = published.get();
                    if (r != null && r.outcome() != RunResult.Outcome.FINISHED) {
                        throw new IllegalStateException("the orchestrator run ended " + r.outcome() + ": " + r.error());
                    }
                    long now = System.nanoTime();
                    if (terminal || now - lastLine > TimeUnit.SECONDS.toNanos(5)) {
                        live(now - start, tally, sim, workers);
                        lastLine = now;
                    }
                    Thread.sleep(terminal ? 250 : 500);   // the refresh rate of the live view
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9
                        + (processes != null ? processes.cpuSeconds() - childCpuStart : 0);
                fine.close();
                long rssMb = rssMegabytes("VmRSS");
                live(System.nanoTime() - start, tally, sim, workers);
                out.println();
                orchestrator.requestStop();
                publisher.join(TimeUnit.SECONDS.toMillis(30));
                backlog.close();
                if (backlogProbe != null) {
                    backlogProbe.close();
                }
                workers.forEach(Worker::close);
                if (processes != null) {
                    processes.close();
                }

                SimulatorStats stats = sim.stats();
                String pacingNote = Durations.format(pacing);
                try (RedisRunLedger ledger = new RedisRunLedger(redis.uri(), Duration.ofSeconds(2))) {
                    Duration inForce = ledger.find(runId).map(RunRecord::pacing).orElse(null);
                    if (inForce != null && !inForce.equals(pacing)) {
                        pacingNote = Durations.format(inForce) + " in force (configured " + Durations.format(pacing)
                                + ", shortened to fit finish-within)";
                    }
                }
                // Worker processes: their pauses are in their own metrics (sluice_worker_pauses_total), not here.
                long pauses = processes != null ? -1 : workers.stream().mapToLong(w -> w.loop().pauses()).sum();
                RunFigures.wallAtZero(System.currentTimeMillis() - (long) (fine.seconds(System.nanoTime()) * 1000));
                RunFigures figures = RunFigures.of(fine.samples(), fine.seconds(start), o.orgs(),
                        o.slots() ? o.limit() : o.downstreamLimit(), pauses, cpuSeconds, loadBefore + " -> " + loadAverage())
                        .withCpu(cpu);
                Path chart = o.chart();
                // Both samplers started together: the chart's clock is the figures' clock, within a few ms.
                Chart.write(chart, sampler.samples(), o.limit(), o.downstreamLimit(), o.slots(), figures.stallList());
                Path backlogChart = chart.resolveSibling(chart.getFileName().toString().replaceFirst("(\\.png)?$", "-backlog.png"));
                Chart.writeBacklog(backlogChart, backlog.samples(), cfg.orchestrator().maxBacklog());
                int backlogPeak = backlog.samples().stream().mapToInt(InFlightSampler.Sample::inFlight).max().orElse(0);
                double utilization = o.slots() ? sampler.meanWhileBusy() / o.limit() : sampler.meanWhileBusy() / o.downstreamLimit();
                LocalReport report = new LocalReport(o.slots(), o.orgs(), tally.projected(), tally.deadLettered(),
                        stats.maxPeakInFlight(), offered.samples().stream().mapToInt(InFlightSampler.Sample::inFlight).max().orElse(0), o.limit(), o.downstreamLimit(), stats.rateLimited(), stats.serverErrors(),
                        pauses, elapsed, tally.projected() / Math.max(elapsed, 1e-9), utilization, pacingNote,
                        chart.toString(), backlogPeak, cfg.orchestrator().maxBacklog(), backlogChart.toString(),
                        cpuSeconds, rssMb, rssMegabytes("VmHWM"), figures);
                out.print(report.render());
                check = ResultCheck.of(cfg, job, resultsTopic, sim.data(), runId, o.orgs());
                out.printf("results checked     %d/%d exact against the simulator's own data (job %s)%s%n", check.exact(), o.orgs(),
                        job.name(), check.allExact() ? "" : "; wrong: " + check.wrong().size() + " e.g. "
                                + check.wrong().stream().limit(3).toList() + ", missing: " + check.missing());
                if (o.report() != null) {
                    Path parent = o.report().toAbsolutePath().getParent();
                    if (parent != null) Files.createDirectories(parent);
                    Files.writeString(o.report(), MessageCodec.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(report));
                    out.println("report              " + o.report());
                }
                return report;
            } finally {
                workers.forEach(Worker::close);
                if (processes != null) {
                    processes.close();
                }
            }
        }
    }

    /** The check of the last {@link #run()}; null before it. */
    public ResultCheck check() {
        return check;
    }

    /** The machine's load average over 1, 5 and 15 minutes, as uptime prints it. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format("%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /** CPU time of this whole process (broker, Redis client, simulator, orchestrator and workers). */
    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
    }

    /** A size from /proc/self/status in MB (VmRSS now, VmHWM peak), or -1 where there is none. */
    private static long rssMegabytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private void live(long elapsedNanos, Tally tally, SnubaSimulator sim, List<Worker> workers) {
        long done = tally.projected();
        double secs = elapsedNanos / 1e9;
        int width = 30;
        int filled = (int) Math.min(width, width * done / Math.max(1, o.orgs()));
        String eta = done == 0 ? "?" : String.format("%.0fs", secs * (o.orgs() - done) / done);
        int inFlight = sim.inFlight();
        long paused = workers.stream().mapToLong(w -> w.loop().pausedPartitions()).sum();
        String line = String.format("[%s%s] %d/%d orgs  %.0fs  eta %s  in flight %d/%s  paused partitions %d  429s %d  dead letters %d",
                "#".repeat(filled), ".".repeat(width - filled), done, o.orgs(), secs, eta, inFlight,
                o.slots() ? Integer.toString(o.limit()) : "-", paused, sim.stats().rateLimited(), tally.deadLettered());
        if (terminal) {
            out.print("\r" + line);
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Counts distinct orgs with a result, and orgs dead-lettered, by reading the output topics. */
    private static final class Tally implements AutoCloseable {
        private final Set<Long> projected = ConcurrentHashMap.newKeySet();
        private final Set<Long> dead = ConcurrentHashMap.newKeySet();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        Tally(SluiceConfig cfg, String results) {
            Map<String, Object> props = KafkaClients.consumerProps(cfg.kafka(), "sluice-local-tally");
            props.remove("group.id");
            props.remove("group.protocol");
            consumer = new KafkaConsumer<>(props);
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(results, cfg.kafka().topics().deadLetter())) {
                for (int p = 0; p < cfg.kafka().topics().partitions(); p++) {
                    parts.add(new TopicPartition(topic, p));
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            thread = Thread.ofPlatform().name("sluice-local-tally").start(() -> {
                try {
                    while (running) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.topic().equals(results)) {
                                projected.add(Long.parseLong(new String(r.key(), StandardCharsets.UTF_8)));
                            } else {
                                try {
                                    dead.addAll(MessageCodec.decodeBatch(r.value()).orgIds());
                                } catch (Exception poison) {
                                    // a poison record names no org of this run
                                }
                            }
                        }
                    }
                } catch (WakeupException e) {
                    // closing
                } finally {
                    consumer.close();
                }
            });
        }

        long projected() {
            return projected.size();
        }

        long deadLettered() {
            return dead.stream().filter(org -> !projected.contains(org)).count();
        }

        long finished() {
            return projected() + deadLettered();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(5_000);
        }
    }
}
