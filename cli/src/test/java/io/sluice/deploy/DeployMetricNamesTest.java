package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.Window;
import io.sluice.metrics.HealthState;
import io.sluice.metrics.MetricsServer;
import io.sluice.worker.Worker;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.sluice.deploy.DeployFiles.DEPLOY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every metric the dashboard and the alert rules query exists in what a real worker serves at
 * /metrics (a worker with {@code slots.adaptive} on the embedded broker, Redis and Snuba simulator,
 * after it projected a few orgs), or in what the orchestrator registers. kube-state-metrics names
 * (kube_*) are not ours.
 */
class DeployMetricNamesTest {
    private static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    private static Set<String> served;

    @BeforeAll
    static void scrapeARealWorker() throws Exception {
        String name = SharedServers.uniqueName("deploy-metrics");
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withPort(0)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start()) {
            Map<String, String> o = new TreeMap<>();
            o.put("kafka.bootstrap-servers", SharedServers.kafka().bootstrapServers());
            o.put("kafka.topics.batches", name + ".batches");
            o.put("kafka.topics.results", name + ".results");
            o.put("kafka.topics.dead-letter", name + ".dlt");
            o.put("kafka.topics.partitions", "2");
            o.put("kafka.consumer.group.id", name + "-workers");
            o.put("redis.uri", SharedServers.redis().uri());
            o.put("slots.pool", name);
            // Declared with two classes, so that the per-class meters are served too.
            io.sluice.slots.internal.RedisPoolAdmin.apply(SharedServers.redis().uri(), Duration.ofSeconds(2),
                    new io.sluice.slots.PoolDeclaration(name, 50, List.of(io.sluice.slots.PoolDeclaration.PoolClass.parse("live:40"),
                            io.sluice.slots.PoolDeclaration.PoolClass.parse("backfill:10:100%"))), Duration.ofSeconds(1), true);
            o.put("slots.adaptive", "true");   // so that the adaptive limit's meters are served too
            o.put("snuba.url", sim.url());
            o.put("worker.shutdown-grace", "5s");
            o.put("metrics.bind", "127.0.0.1");
            o.put("metrics.port", "0");
            SluiceConfig cfg = new ConfigLoader().load(null, Map.of(), o);
            try (Admin admin = KafkaClients.admin(cfg.kafka())) {
                KafkaClients.ensureTopics(admin, cfg.kafka(), Duration.ofSeconds(30));
            }
            PrometheusMeterRegistry registry = io.sluice.metrics.SluiceRegistry.create();
            new io.sluice.worker.lag.GroupLag(KafkaClients.admin(cfg.kafka()), name + "-workers", cfg.kafka().topics().batches(),
                    Duration.ofSeconds(10), registry).refresh();
            new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
            Worker worker = new Worker("deploy-metrics", cfg, Gates.open(cfg, "deploy-metrics", registry), registry);
            HealthState health = new HealthState().readiness("slot-pool", worker.loop()::gateHealthy);
            try (worker; MetricsServer server = MetricsServer.start(cfg.metrics().bind(), cfg.metrics().port(), registry, health)) {
                worker.start();
                try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(cfg.kafka(), name + "-producer")) {
                    for (int seq = 0; seq < 2; seq++) {
                        Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-deploy", seq, List.of(100L + 2 * seq, 101L + 2 * seq),
                                WINDOW, Instant.now());
                        p.send(new ProducerRecord<>(cfg.kafka().topics().batches(), b.key().getBytes(StandardCharsets.UTF_8),
                                MessageCodec.encode(b)));
                    }
                    p.flush();
                }
                HttpClient http = HttpClient.newHttpClient();
                URI metrics = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
                await().atMost(Duration.ofSeconds(60)).until(() -> projected(http.send(HttpRequest.newBuilder(metrics).build(),
                        HttpResponse.BodyHandlers.ofString()).body()) >= 4);
                String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
                served = sampleNames(text);
            }
        }
        served.addAll(orchestratorNames());
    }

    @Test
    void everyMetricInTheAlertRulesIsServed() {
        JsonNode rules = DeployFiles.yaml(DEPLOY.resolve("prometheus/rules.yaml"));
        List<String> used = new ArrayList<>();
        int alerts = 0;
        for (JsonNode group : rules.path("groups")) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.path("alert").asText()).as("rule %s", rule).matches("Sluice[A-Za-z]+");
                assertThat(rule.path("labels").path("severity").asText()).as(rule.path("alert").asText()).isIn("info", "warning", "critical");
                assertThat(rule.path("annotations").path("summary").asText()).as(rule.path("alert").asText()).isNotBlank();
                if (rule.has("for")) {
                    assertThat(rule.path("for").asText()).matches("[0-9]+[smh]");
                }
                used.addAll(DeployFiles.metricNames(rule.path("expr").asText()));
                alerts++;
            }
        }
        assertThat(alerts).isGreaterThanOrEqualTo(7);
        assertThat(used).contains("sluice_slots_lease_lost_total", "sluice_worker_orgs_total", "sluice_slots_class_waiting",
                "sluice_worker_group_lag", "sluice_orchestrator_run_progress");
        assertThat(missing(used)).as("metric names in rules.yaml missing from a worker's /metrics").isEmpty();
    }

    @Test
    void everyMetricOnTheDashboardIsServed() {
        JsonNode dash = DeployFiles.json(DEPLOY.resolve("grafana/sluice.json"));
        List<String> used = new ArrayList<>();
        for (JsonNode panel : DeployFiles.dashboardPanels(dash)) {
            for (JsonNode t : panel.path("targets")) {
                used.addAll(DeployFiles.metricNames(t.path("expr").asText()));
            }
        }
        assertThat(used).contains("sluice_slots_in_use", "sluice_slots_limit", "sluice_slots_lease_lost_total",
                "sluice_worker_partitions_paused", "kafka_consumer_fetch_manager_records_lag_max",
                "sluice_downstream_requests_seconds_count", "sluice_worker_orgs_total", "sluice_orchestrator_run_progress",
                "sluice_slots_wait_seconds_bucket", "sluice_downstream_requests_seconds_bucket", "sluice_worker_group_lag",
                "sluice_slots_adaptive_min_limit", "sluice_slots_adaptive_max_limit", "sluice_slots_adaptive_threshold",
                "sluice_slots_adaptive_quota_used", "sluice_slots_class_in_use", "sluice_slots_class_waiting",
                "sluice_slots_class_wait_seconds_bucket");
        assertThat(missing(used)).as("metric names on the dashboard missing from a worker's /metrics").isEmpty();
    }

    @Test
    void metricNamesAreReadFromPromqlButNotFromLabelValues() {
        assertThat(DeployFiles.metricNames("sum by (pool) (rate(sluice_slots_acquire_seconds_count{outcome=\"sluice_x\"}[1m]))"
                + " / max(jvm_memory_used_bytes) and kube_pod_info"))
                .containsExactly("sluice_slots_acquire_seconds_count", "jvm_memory_used_bytes");
    }

    private static List<String> missing(List<String> used) {
        return new TreeSet<>(used).stream().filter(n -> !served.contains(n)).toList();
    }

    private static double projected(String text) {
        return text.lines().filter(l -> l.startsWith("sluice_worker_orgs_total{") && l.contains("outcome=\"projected\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Sample names in Prometheus text: the part of each line before the labels or the value. */
    private static Set<String> sampleNames(String text) {
        Set<String> names = new TreeSet<>();
        text.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        return names;
    }

    /**
     * The orchestrator serves its own two meters. Its metrics class, when on the class path, registers
     * them; until then they are registered here by their contract names (DESIGN section 9).
     */
    private static Set<String> orchestratorNames() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            Class.forName("io.sluice.orchestrator.OrchestratorMetrics").getConstructor(MeterRegistry.class).newInstance(registry);
        } catch (ClassNotFoundException e) {
            Counter.builder("sluice.orchestrator.batches.published").register(registry);
            Gauge.builder("sluice.orchestrator.run.progress", () -> 0.0).register(registry);
        }
        return sampleNames(registry.scrape());
    }
}
