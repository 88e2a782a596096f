package io.sluice.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.kafka.KafkaClients;
import io.sluice.kafka.TopicReader;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.Window;
import io.sluice.worker.Worker;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One test's slice of the shared broker and Redis: fresh topics, worker group and pool name, written
 * to a real config file so commands are run with {@code --config F} as an operator would.
 */
final class OpsFixture implements AutoCloseable {
    static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    static final int PARTITIONS = 3;

    final String name = SharedServers.uniqueName("ops");
    final Path configFile;
    final SluiceConfig config;
    final List<Worker> workers = new ArrayList<>();

    OpsFixture(String snubaUrl, String extraYaml) {
        String yaml = """
                kafka:
                  bootstrap-servers: %s
                  topics:
                    batches: %s.batches
                    results: %s.results
                    dead-letter: %s.dlt
                    partitions: %d
                  consumer:
                    group.id: %s-workers
                redis:
                  uri: %s
                  timeout: 2s
                snuba:
                  url: %s
                  timeout: 5s
                worker:
                  shutdown-grace: 5s
                  retry:
                    initial-backoff: 50ms
                    max-backoff: 500ms
                """.formatted(SharedServers.kafka().bootstrapServers(), name, name, name, PARTITIONS, name,
                SharedServers.redis().uri(), snubaUrl)
                // each fixture's pool is new: create it without the data-loss fence
                + (extraYaml.contains("assume-new-pool") ? extraYaml
                        : extraYaml.replace("  pool: %s\n", "  pool: %s\n  assume-new-pool: true\n")).formatted(name);
        try {
            configFile = Files.createTempFile(name, ".yaml");
            Files.writeString(configFile, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = new ConfigLoader().load(configFile, Map.of(), Map.of());
        try (Admin admin = KafkaClients.admin(config.kafka())) {
            KafkaClients.ensureTopics(admin, config.kafka(), Duration.ofSeconds(30));
        }
    }

    static OpsFixture kafkaOnly() {
        return new OpsFixture("http://127.0.0.1:9", "slots:\n  pool: %s\n");
    }

    String group() {
        return config.kafka().consumer().get(ConsumerConfig.GROUP_ID_CONFIG);
    }

    String[] args(String... rest) {
        String[] all = new String[rest.length + 2];
        all[0] = "--config";
        all[1] = configFile.toString();
        System.arraycopy(rest, 0, all, 2, rest.length);
        return all;
    }

    Worker startWorker(String id) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Worker w = new Worker(id, config, Gates.open(config, id, registry), registry).start();
        workers.add(w);
        return w;
    }

    void publishBatches(String runId, List<Long> orgs, int batchSize) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), name + "-batches")) {
            for (int seq = 0; seq * batchSize < orgs.size(); seq++) {
                List<Long> chunk = orgs.subList(seq * batchSize, Math.min(orgs.size(), (seq + 1) * batchSize));
                Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, runId, seq, chunk, WINDOW, Instant.now());
                p.send(new ProducerRecord<>(config.kafka().topics().batches(), utf8(b.key()), MessageCodec.encode(b)));
            }
            p.flush();
        }
    }

    void send(List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config.kafka(), name + "-raw")) {
            records.forEach(p::send);
            p.flush();
        }
    }

    /** Every record of a topic from the beginning to its end offsets now, read outside any group. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return new TopicReader(config.kafka()).readAll(topic, Duration.ofSeconds(30));
    }

    /** The group's committed offsets on a topic, by partition; partitions without one are absent. */
    Map<Integer, Long> committed(String group, String topic) throws Exception {
        try (Admin admin = KafkaClients.admin(config.kafka())) {
            Map<Integer, Long> out = new TreeMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .forEach((tp, om) -> {
                        if (tp.topic().equals(topic) && om != null) {
                            out.put(tp.partition(), om.offset());
                        }
                    });
            return out;
        }
    }

    void commit(String group, String topic, Map<Integer, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        offsets.forEach((p, o) -> m.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
        try (Admin admin = KafkaClients.admin(config.kafka())) {
            admin.alterConsumerGroupOffsets(group, m).all().get(30, TimeUnit.SECONDS);
        }
    }

    int groupMembers(String group) throws Exception {
        try (Admin admin = KafkaClients.admin(config.kafka())) {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS).members().size();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        workers.forEach(Worker::close);
        try {
            Files.deleteIfExists(configFile);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
