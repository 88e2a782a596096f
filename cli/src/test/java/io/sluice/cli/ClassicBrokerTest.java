package io.sluice.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.GroupProtocol;
import io.sluice.kafka.KafkaClients;
import io.sluice.kafka.TopicReader;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.Window;
import io.sluice.worker.Worker;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DESIGN 11: a broker that refuses KIP-848 ({@code group.coordinator.rebalance.protocols=classic}, as a
 * pre-4.0 cluster would) gets a classic, cooperative-sticky group, chosen at start and logged, and the
 * worker projects every org; a broker that supports it gets {@code consumer}.
 */
class ClassicBrokerTest {
    private static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));

    @Test
    void aBrokerWithoutKip848GetsAClassicGroupAndEveryOrgIsProjected() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().brokerProperty("group.coordinator.rebalance.protocols", "classic").build().start();
             SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withPort(0)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(2)))).start()) {
            SluiceConfig cfg = config(kafka.bootstrapServers(), sim.url(), "classic-broker");
            SluiceConfig.Kafka chosen;
            try (Admin admin = KafkaClients.admin(cfg.kafka())) {
                KafkaClients.ensureTopics(admin, cfg.kafka(), Duration.ofSeconds(30));
                GroupProtocol.Choice choice = GroupProtocol.detect(admin, Duration.ofSeconds(10));
                assertThat(choice.protocol()).as(choice.toString()).isEqualTo("classic");
                assertThat(choice.reason()).contains("group.coordinator.rebalance.protocols=classic");
                chosen = GroupProtocol.choose(cfg.kafka(), admin, Duration.ofSeconds(10));
            }
            assertThat(chosen.consumer()).containsEntry("group.protocol", "classic")
                    .containsEntry("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
            SluiceConfig run = cfg.withKafka(chosen);
            List<Long> orgs = LongStream.rangeClosed(1, 40).boxed().toList();
            publish(run, orgs);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (Worker worker = new Worker("classic-w1", run, Gates.open(run, "classic-w1", registry), registry).start()) {
                await().atMost(Duration.ofSeconds(90)).until(() -> projected(run).containsAll(orgs.stream().map(String::valueOf).toList()));
            }
            assertThat(projected(run)).hasSize(orgs.size());
        }
    }

    @Test
    void aBrokerWithKip848GetsTheConsumerProtocol() throws Exception {
        SluiceConfig cfg = config(SharedServers.kafka().bootstrapServers(), "http://127.0.0.1:1", "kip848-broker");
        try (Admin admin = KafkaClients.admin(cfg.kafka())) {
            GroupProtocol.Choice choice = GroupProtocol.detect(admin, Duration.ofSeconds(10));
            assertThat(choice.protocol()).as(choice.toString()).isEqualTo("consumer");
        }
    }

    private static SluiceConfig config(String bootstrap, String snuba, String prefix) {
        String name = SharedServers.uniqueName(prefix);
        Map<String, String> o = new TreeMap<>();
        o.put("kafka.bootstrap-servers", bootstrap);
        o.put("kafka.topics.batches", name + ".batches");
        o.put("kafka.topics.results", name + ".results");
        o.put("kafka.topics.dead-letter", name + ".dlt");
        o.put("kafka.topics.partitions", "3");
        o.put("kafka.consumer.group.id", name + "-workers");
        o.put("redis.uri", SharedServers.redis().uri());
        o.put("slots.pool", name);
        o.put("slots.assume-new-pool", "true");
        o.put("snuba.url", snuba);
        o.put("worker.shutdown-grace", "5s");
        return new ConfigLoader().load(null, Map.of(), o);
    }

    private static void publish(SluiceConfig cfg, List<Long> orgs) {
        try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(cfg.kafka(), "classic-test")) {
            for (int seq = 0; seq * 5 < orgs.size(); seq++) {
                Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-classic", seq, orgs.subList(seq * 5, Math.min(orgs.size(), seq * 5 + 5)),
                        WINDOW, Instant.now());
                p.send(new ProducerRecord<>(cfg.kafka().topics().batches(), b.key().getBytes(StandardCharsets.UTF_8), MessageCodec.encode(b)));
            }
            p.flush();
        }
    }

    private static Set<String> projected(SluiceConfig cfg) {
        Set<String> keys = new TreeSet<>();
        new TopicReader(cfg.kafka()).readAll(cfg.kafka().topics().results(), Duration.ofSeconds(30)).forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
        return keys;
    }
}
