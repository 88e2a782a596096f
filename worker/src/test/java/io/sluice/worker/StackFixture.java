package io.sluice.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.kafka.KafkaClients;
import io.sluice.kafka.TopicReader;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.jobs.spike.ProjectProjection;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.messages.Window;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One test's slice of the shared servers: fresh topics, group and pool name on the JVM's one broker
 * and one Redis, plus helpers to publish batches, run workers and read what came out.
 */
final class StackFixture implements AutoCloseable {
    static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    final String name = SharedServers.uniqueName("e2e");
    final SluiceConfig config;
    final List<Worker> workers = new ArrayList<>();
    private final Map<String, String> settings;

    StackFixture(String snubaUrl, Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>();
        o.put("kafka.bootstrap-servers", SharedServers.kafka().bootstrapServers());
        o.put("kafka.topics.batches", name + ".batches");
        o.put("kafka.topics.results", name + ".results");
        o.put("kafka.topics.dead-letter", name + ".dlt");
        o.put("kafka.topics.partitions", "6");
        o.put("kafka.consumer.group.id", name + "-workers");
        o.put("redis.uri", SharedServers.redis().uri());
        o.put("slots.pool", name);
        o.put("slots.lease-ttl", "3s");
        o.put("downstream.max-query-time", "3s");   // the lease outlasts the longest query (snuba.timeout bounds the wait only)
        o.put("slots.assume-new-pool", "true");
        o.put("slots.renew-every", "1s");
        o.put("snuba.url", snubaUrl);
        o.put("snuba.timeout", "5s");
        o.put("worker.retry.initial-backoff", "50ms");
        o.put("worker.retry.max-backoff", "500ms");
        o.put("worker.shutdown-grace", "5s");
        // Short producer timeouts, so a crashed worker's publish locks (ResultGuard.lockTtl: max.block.ms
        // + delivery.timeout.ms + 15 s, 195 s with Kafka's defaults) lapse in 30 s, within the tests' waits.
        o.put("kafka.producer.max.block.ms", "5000");
        o.put("kafka.producer.request.timeout.ms", "5000");
        o.put("kafka.producer.delivery.timeout.ms", "10000");
        o.putAll(overrides);
        settings = Map.copyOf(o);
        config = new ConfigLoader().load(null, Map.of(), o);
        try (Admin admin = KafkaClients.admin(config.kafka())) {
            KafkaClients.ensureTopics(admin, config.kafka(), Duration.ofSeconds(30));
        }
    }

    Worker startWorker(String id) {
        return startWorker(id, new SimpleMeterRegistry());
    }

    Worker startWorker(String id, io.micrometer.core.instrument.MeterRegistry registry) {
        Worker w = new Worker(id, config, Gates.open(config, id, registry), registry).start();
        workers.add(w);
        return w;
    }

    /** A worker of this stack with some settings of its own (e.g. its Redis through a proxy). */
    Worker startWorker(String id, Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>(settings);
        o.putAll(overrides);
        SluiceConfig own = new ConfigLoader().load(null, Map.of(), o);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Worker w = new Worker(id, own, Gates.open(own, id, registry), registry).start();
        workers.add(w);
        return w;
    }

    /** This stack's config with some settings of its own; the topics it names exist. */
    SluiceConfig configWith(Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>(settings);
        o.putAll(overrides);
        SluiceConfig own = new ConfigLoader().load(null, Map.of(), o);
        try (Admin admin = KafkaClients.admin(own.kafka())) {
            KafkaClients.ensureTopics(admin, own.kafka(), Duration.ofSeconds(30));
        }
        return own;
    }

    /** A worker on {@code own} (see {@link #configWith}). */
    Worker startWorker(String id, SluiceConfig own) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Worker w = new Worker(id, own, Gates.open(own, id, registry), registry).start();
        workers.add(w);
        return w;
    }

    /** Publishes batches naming {@code slotClass} (as {@code orchestrator run --class} does) to {@code topic}. */
    void publish(String topic, String runId, List<Long> orgs, int batchSize, String slotClass) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), name + "-test-producer")) {
            for (int seq = 0; seq * batchSize < orgs.size(); seq++) {
                List<Long> chunk = orgs.subList(seq * batchSize, Math.min(orgs.size(), (seq + 1) * batchSize));
                Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, runId, seq, chunk, WINDOW, Instant.now(), slotClass);
                p.send(new ProducerRecord<>(topic, utf8(b.key()), MessageCodec.encode(b)));
            }
            p.flush();
        }
    }

    /** Publishes {@code job}'s batches over {@code window}, as {@code orchestrator run --job} does. */
    void publishJob(String job, String runId, List<Long> orgs, int batchSize, Window window) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), name + "-test-producer")) {
            for (int seq = 0; seq * batchSize < orgs.size(); seq++) {
                List<Long> chunk = orgs.subList(seq * batchSize, Math.min(orgs.size(), (seq + 1) * batchSize));
                Batch b = new Batch(1, job, runId, seq, chunk, window, Instant.now());
                p.send(new ProducerRecord<>(config.kafka().topics().batches(), utf8(b.key()), MessageCodec.encode(b)));
            }
            p.flush();
        }
    }

    /** A worker of this stack serving {@code jobs} (configured here), whose results topics are made first. */
    Worker startWorker(String id, io.sluice.job.Jobs jobs) {
        jobs.configure(job -> io.sluice.job.Jobs.settings(config, job));
        try (Admin admin = KafkaClients.admin(config.kafka())) {
            KafkaClients.ensureTopics(admin, config.kafka(), Duration.ofSeconds(30), jobs.resultsTopics(config));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Worker w = new Worker(id, config, jobs, Gates.open(config, id, registry), registry).start();
        workers.add(w);
        return w;
    }

    /** The simulator's data as the ground truth a job checks its results against. */
    static io.sluice.job.GroundTruth truth(SyntheticData data) {
        return io.sluice.job.GroundTruth.of(data::projects, (o, p, h) -> data.total(o, p, h).orElse(-1));
    }

    /** Publishes the orgs as batches of {@code batchSize}, keyed runId:seq, as the orchestrator does. */
    void publish(String runId, List<Long> orgs, int batchSize) {
        publish(runId, orgs, batchSize, WINDOW);
    }

    /** As {@link #publish(String, List, int)} for another window (what a replay of an older run carries). */
    void publish(String runId, List<Long> orgs, int batchSize, Window window) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), name + "-test-producer")) {
            for (int seq = 0; seq * batchSize < orgs.size(); seq++) {
                List<Long> chunk = orgs.subList(seq * batchSize, Math.min(orgs.size(), (seq + 1) * batchSize));
                Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, runId, seq, chunk, window, Instant.now());
                p.send(new ProducerRecord<>(config.kafka().topics().batches(), utf8(b.key()), MessageCodec.encode(b)));
            }
            p.flush();
        }
    }

    void publishRaw(String key, String value) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), name + "-raw-producer")) {
            p.send(new ProducerRecord<>(config.kafka().topics().batches(), utf8(key), utf8(value)));
            p.flush();
        }
    }

    /** Every record of a topic, read from the beginning until its end offsets. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return new TopicReader(config.kafka()).readAll(topic, Duration.ofSeconds(30));
    }

    Map<Long, List<ProjectionResult>> resultsByOrg() {
        return readAll(config.kafka().topics().results()).stream().map(r -> {
            try {
                return io.sluice.jobs.spike.ProjectionCodec.decode(r.value());
            } catch (Exception e) {
                throw new AssertionError("bad result record: " + new String(r.value(), StandardCharsets.UTF_8), e);
            }
        }).collect(Collectors.groupingBy(ProjectionResult::orgId, TreeMap::new, Collectors.toList()));
    }

    /** True when the group's committed offsets reached the end of every batch partition. */
    boolean committedToEnd() throws Exception {
        return TopicReader.allCommitted(new TopicReader(config.kafka()).committedVsEnd(config.kafka().consumer().get("group.id")));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        workers.forEach(Worker::close);
    }
}
