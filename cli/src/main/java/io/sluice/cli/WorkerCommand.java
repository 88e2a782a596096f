package io.sluice.cli;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.config.SluiceConfig;
import io.sluice.kafka.GroupProtocol;
import io.sluice.kafka.KafkaClients;
import io.sluice.worker.lag.GroupLag;
import io.sluice.metrics.HealthState;
import io.sluice.metrics.MetricsServer;
import io.sluice.worker.Worker;
import io.sluice.worker.gate.Gates;
import io.sluice.worker.gate.SlotGate;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import io.sluice.job.Jobs;

/** {@code sluice worker}: one worker pod. Consumes, gates, queries, projects, publishes; serves metrics and health. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run a worker: consume org batches of every job on the class path, take a slot before each query, pause when refused, publish each job's results.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGTERM): in-flight work written with its offsets, slots released",
                "1:runtime failure (Kafka, Redis or the slot pool could not be opened)", "2:bad usage or configuration"})
public final class WorkerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerCommand.class);

    @Mixin
    ConfigOption config;

    @Option(names = "--id", paramLabel = "ID", description = "Worker id in logs, lease owners and client ids (default: host name and pid).")
    String id;

    @Override
    public Integer call() throws Exception {
        SluiceConfig cfg = config.load();
        String workerId = id != null ? id : ManagementFactory.getRuntimeMXBean().getName();
        PrometheusMeterRegistry registry = io.sluice.metrics.SluiceRegistry.create();
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);

        // Kafka settings are checked before Redis is dialled, so any bad config exits 2 without connecting.
        KafkaClients.validate(cfg.kafka());
        // So are the jobs' settings: every job on the class path is configured before anything connects.
        Jobs jobs = Jobs.configured(cfg);
        // The hook goes in before anything connects: a SIGTERM during start-up (a pod deleted while it starts) is a
        // clean stop too. Once call() returns or throws, its own exit code stands and the hook does nothing.
        AtomicReference<Worker> built = new AtomicReference<>();
        AtomicBoolean returning = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> onSignal(workerId, built.get(), returning), "sluice-shutdown"));
        try {
            return run(cfg, jobs, workerId, registry, built);
        } finally {
            returning.set(true);
        }
    }

    /**
     * SIGTERM: drain and commit if the worker exists, then end the JVM with 0 (1 if its loop had failed):
     * a JVM ended by a signal exits 143 however cleanly it stopped, and System.exit from main blocks while hooks run.
     */
    private static void onSignal(String workerId, Worker worker, AtomicBoolean returning) {
        if (returning.get()) {
            return;
        }
        if (worker != null) {
            worker.close();   // stop fetching, grace period, release slots, commit
        }
        LOG.info(worker == null ? "worker {} stopped on signal during start-up" : "worker {} stopped on signal", workerId);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(worker == null || worker.loop().failure() == null ? 0 : 1);
    }

    /**
     * Opens the slot pool, waiting for a Redis that refuses connections (restarting, failing over) for up
     * to {@code patience}, with back-off: a pod started in that moment must not crash-loop. Any other
     * failure (authentication, TLS, a bad answer) fails at once.
     */
    static SlotGate openGate(SluiceConfig cfg, String workerId, PrometheusMeterRegistry registry, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        long backoffMs = 100;
        while (true) {
            try {
                return Gates.open(cfg, workerId, registry);
            } catch (RuntimeException e) {
                // A Redis that refuses connections, or accepts them but does not answer (restarting, loading a snapshot,
                // failing over), is waited for up to the patience, nothing running meanwhile. Anything else (a pool that
                // was never declared, bad credentials) fails at once.
                boolean retry = refused(e) || redisFailure(e);
                if (!retry || System.nanoTime() + backoffMs * 1_000_000 > deadline) {
                    throw e;
                }
                LOG.warn("worker {}: {} ({}); retrying in {} ms", workerId, refused(e) ? "Redis refuses connections"
                        : "Redis did not answer (loading a snapshot?)", e.getMessage(), backoffMs);
                Thread.sleep(backoffMs);   // back-off between attempts
                backoffMs = Math.min(2_000, backoffMs * 2);
            }
        }
    }

    /**
     * Redis did not answer, or answered that it cannot serve yet (LOADING, BUSY, TRYAGAIN, MASTERDOWN, CLUSTERDOWN).
     * An answer that will not change by waiting (WRONGPASS, NOAUTH, NOPERM, ...) is not one of them.
     */
    private static boolean redisFailure(Throwable e) {
        boolean redis = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.lettuce.core.RedisCommandExecutionException answered) {
                String m = String.valueOf(answered.getMessage());
                return m.startsWith("LOADING") || m.startsWith("BUSY") || m.startsWith("TRYAGAIN")
                        || m.startsWith("MASTERDOWN") || m.startsWith("CLUSTERDOWN");
            }
            redis |= t instanceof io.lettuce.core.RedisException;
        }
        return redis;
    }

    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    private Integer run(SluiceConfig cfg, Jobs jobs, String workerId, PrometheusMeterRegistry registry, AtomicReference<Worker> built)
            throws Exception {
        SlotGate gate = openGate(cfg, workerId, registry, KafkaClients.startupTimeout(cfg.kafka()));
        Worker worker;
        try {
            Admin admin = KafkaClients.admin(cfg.kafka());
            try {
                // Bounded by kafka.common default.api.timeout.ms (30 s unset): an unreachable broker fails, never hangs.
                KafkaClients.ensureTopics(admin, cfg.kafka(), KafkaClients.startupTimeout(cfg.kafka()), jobs.resultsTopics(cfg));
                // KIP-848 where the brokers support it, classic + cooperative-sticky otherwise (logged).
                SluiceConfig.Kafka kafka = GroupProtocol.choose(cfg.kafka(), admin, KafkaClients.startupTimeout(cfg.kafka()));
                cfg = cfg.withKafka(kafka);
            } finally {
                // Admin.close() without a timeout waits for every pending call, forever against a silent broker.
                admin.close(KafkaClients.startupTimeout(cfg.kafka()));
            }
            worker = new Worker(workerId, cfg, jobs, gate, registry);
            built.set(worker);
        } catch (RuntimeException e) {
            gate.close();
            throw e;
        }
        HealthState health = new HealthState()
                .readiness("slot-pool", worker.loop()::gateHealthy)
                .readiness("dead-letters", worker.loop()::deadLettersHealthy)
                .liveness("poll-loop", worker.loop()::live);
        CountDownLatch done = new CountDownLatch(1);
        // A daemon thread and its own Admin: the process' exit ends it, nothing to drain.
        new GroupLag(KafkaClients.admin(cfg.kafka()), cfg.kafka().consumer().getOrDefault("group.id", "sluice-workers"),
                cfg.kafka().topics().batches(), Duration.ofSeconds(10), registry).every(Duration.ofSeconds(15));
        try (MetricsServer metrics = MetricsServer.start(cfg.metrics().bind(), cfg.metrics().port(), registry, health)) {
            LOG.info("worker {} started: batches from {}, metrics on {}:{}", workerId, cfg.kafka().topics().batches(),
                    cfg.metrics().bind(), metrics.port());
            worker.start();
            // The poll loop can also end on its own (e.g. the broker refuses our credentials): then exit 1, don't idle.
            Thread.ofVirtual().name("sluice-loop-watch").start(() -> {
                try {
                    worker.loop().awaitStopped(Duration.ofDays(365_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
            done.await();
        }
        RuntimeException failure = worker.loop().failure();
        if (failure != null) {
            worker.close();
            throw new IllegalStateException("worker " + workerId + " stopped: " + failure.getMessage(), failure);
        }
        return 0;
    }
}
