package io.sluice.orchestrator;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.orgs.RangeOrgSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Runs against the shared in-process broker and Redis; fresh topics, run ids and ledger keys per test. */
class KafkaRunTest {
    private final String bootstrap = SharedServers.kafka().bootstrapServers();
    private final String redisUri = SharedServers.redis().uri();
    private final String ledgerPrefix = SharedServers.uniqueName("orch-test") + ":run:";
    private final String batches = SharedServers.uniqueName("batches");
    private final String results = SharedServers.uniqueName("results");
    private final String dlt = SharedServers.uniqueName("dlt");

    private SluiceConfig config(String bootstrapServers, String... extra) {
        List<String> kv = new ArrayList<>(List.of("kafka.bootstrap-servers", bootstrapServers,
                "kafka.topics.batches", batches, "kafka.topics.results", results, "kafka.topics.dead-letter", dlt,
                "kafka.topics.partitions", "3", "redis.uri", redisUri, "orchestrator.pacing", "5ms"));
        kv.addAll(List.of(extra));
        return TestConfigs.config(kv.toArray(String[]::new));
    }

    private OrchestratorRun.Builder run(SluiceConfig cfg, String runId, long first, long last) {
        return OrchestratorRun.builder(cfg, new RangeOrgSource(first, last)).runId(runId)
                .ledger(c -> new RedisRunLedger(c.redis().uri(), c.redis().timeout(), ledgerPrefix))
                .registry(new SimpleMeterRegistry()).progress(ProgressReporter.none());
    }

    @Test
    void publishes1001OrgsAs40FullBatchesAndOneOfOneInOrderWithKeysAndJson() throws Exception {
        // The issue text says "41 batches of 25 and one of 1", which would be 1,026 orgs. 1,001 orgs at
        // 25 per batch are 40 batches of 25 and one of 1: 41 batches in all. That is what is checked.
        String runId = SharedServers.uniqueName("r");
        RunResult r = run(config(bootstrap), runId, 1, 1_001).build().run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(r.batchesTotal()).isEqualTo(41);

        List<ConsumerRecord<String, byte[]>> records = consume(batches, 41);
        assertThat(records).hasSize(41);
        List<Batch> decoded = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> rec : records) {
            Batch b = MessageCodec.decodeBatch(rec.value());
            assertThat(rec.key()).isEqualTo(runId + ":" + b.seq());
            decoded.add(b);
        }
        decoded.sort(Comparator.comparingLong(Batch::seq));
        assertThat(decoded).extracting(Batch::seq).containsExactlyElementsOf(LongStream.range(0, 41).boxed().toList());
        for (Batch b : decoded) {
            long from = b.seq() * 25 + 1;
            assertThat(b.orgIds()).containsExactlyElementsOf(LongStream.range(from, Math.min(from + 25, 1_002)).boxed().toList());
            assertThat(b.runId()).isEqualTo(runId);
            assertThat(b.job()).isEqualTo("spike-projection");
        }
        assertThat(decoded.getLast().orgIds()).containsExactly(1_001L);
        // Sent in order: publishedAt never goes backwards with seq, and within a partition offsets follow seq.
        for (int i = 1; i < decoded.size(); i++) {
            assertThat(decoded.get(i).publishedAt()).isAfterOrEqualTo(decoded.get(i - 1).publishedAt());
        }
        Map<Integer, List<ConsumerRecord<String, byte[]>>> byPartition = new java.util.HashMap<>();
        records.forEach(rec -> byPartition.computeIfAbsent(rec.partition(), p -> new ArrayList<>()).add(rec));
        byPartition.values().forEach(list -> assertThat(list).extracting(rec -> Long.parseLong(rec.key().split(":")[1])).isSorted());
        String json = new String(records.getFirst().value(), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"v\":1,\"job\":\"spike-projection\",\"runId\":\"" + runId + "\",\"seq\":")
                .contains("\"window\":{\"start\":\"").contains("\"publishedAt\":\"");

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(batches, results, dlt)).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(3));
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, results);
            Config c = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
            assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void aRunStoppedAfterSomeAcksAndResumedPublishesExactlyTheRest() throws Exception {
        String runId = SharedServers.uniqueName("r");
        SluiceConfig cfg = config(bootstrap);
        RunResult stopped = stoppedAfter(cfg, runId, 12);
        assertThat(stopped.outcome()).isEqualTo(RunResult.Outcome.STOPPED);
        assertThat(stopped.lastAckedSeq()).isEqualTo(11);

        RunResult resumed = run(cfg, runId, 1, 1_001).build().run();
        assertThat(resumed.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(resumed.publishedNow()).isEqualTo(29);

        List<ConsumerRecord<String, byte[]>> records = consume(batches, 41);
        List<String> keys = records.stream().map(ConsumerRecord::key).toList();
        assertThat(keys).hasSize(41).doesNotHaveDuplicates();
        assertThat(new HashSet<>(keys)).isEqualTo(LongStream.range(0, 41).mapToObj(s -> runId + ":" + s).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void aResumeAfterRedisLostProgressSendsNothingTheTopicAlreadyHolds() throws Exception {
        String runId = SharedServers.uniqueName("r");
        SluiceConfig cfg = config(bootstrap);
        assertThat(stoppedAfter(cfg, runId, 12).lastAckedSeq()).isEqualTo(11);
        // Redis restored from an older snapshot: the record says batch 5, as it did when batch 5 was acknowledged.
        Batch fifth = null;
        for (ConsumerRecord<String, byte[]> r : consume(batches, 12)) {
            if (r.key().equals(runId + ":5")) {
                fifth = MessageCodec.decodeBatch(r.value());
            }
        }
        assertThat(fifth).isNotNull();
        try (RedisRunLedger ledger = new RedisRunLedger(redisUri, Duration.ofSeconds(2), ledgerPrefix);
             io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redisUri);
             var conn = client.connect()) {
            conn.sync().hset(ledger.key(runId), Map.of("lastAckedSeq", "5", "updatedAt", fifth.publishedAt().toString()));
            assertThat(ledger.find(runId).orElseThrow().lastAckedSeq()).isEqualTo(5);
        }

        RunResult resumed = run(cfg, runId, 1, 1_001).build().run();
        assertThat(resumed.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(resumed.publishedNow()).as("batches 12..40 only").isEqualTo(29);
        List<String> keys = consume(batches, 41).stream().map(ConsumerRecord::key).toList();
        assertThat(keys).as("batches 6..11 not sent again").hasSize(41).doesNotHaveDuplicates();
    }

    @Test
    void anUnreachableBrokerFailsWithinTheConfiguredTimeoutAndKeepsProgress() throws Exception {
        String runId = SharedServers.uniqueName("r");
        OrchestratorRun[] first = new OrchestratorRun[1];
        first[0] = run(config(bootstrap), runId, 1, 500).progress(new ProgressReporter() {
            @Override
            public void update(Progress p) {
                if (p.batchesDone() == 3) {
                    first[0].requestStop();
                }
            }

            @Override
            public void done(Progress p) {
            }
        }).build();
        assertThat(first[0].run().lastAckedSeq()).isEqualTo(2);

        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        SluiceConfig unreachable = config("127.0.0.1:" + deadPort,
                "kafka.common.default.api.timeout.ms", "2000",
                "kafka.producer.max.block.ms", "2000", "kafka.producer.delivery.timeout.ms", "2000");
        long start = System.nanoTime();
        RunResult failed = run(unreachable, runId, 1, 500).build().run();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failed.outcome()).isEqualTo(RunResult.Outcome.INTERRUPTED);
        assertThat(failed.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
        assertThat(failed.error()).contains("Kafka at 127.0.0.1:" + deadPort).contains("topic");
        assertThat(took).isLessThan(Duration.ofSeconds(20));
        try (RedisRunLedger ledger = new RedisRunLedger(redisUri, Duration.ofSeconds(2), ledgerPrefix)) {
            RunRecord rec = ledger.find(runId).orElseThrow();
            assertThat(rec.lastAckedSeq()).isEqualTo(2);
            assertThat(rec.status()).as("an interrupted run is recorded resumable, not failed").isEqualTo(RunStatus.INTERRUPTED);
        }
    }

    /** Runs orgs 1..1001 and stops it after {@code batches} acknowledged batches, as the SIGTERM hook would, while nothing is in flight. */
    private RunResult stoppedAfter(SluiceConfig cfg, String runId, int batches) {
        OrchestratorRun[] run = new OrchestratorRun[1];
        run[0] = run(cfg, runId, 1, 1_001).progress(new ProgressReporter() {
            @Override
            public void update(Progress p) {
                if (p.batchesDone() == batches) {
                    run[0].requestStop();
                }
            }

            @Override
            public void done(Progress p) {
            }
        }).build();
        return run[0].run();
    }

    private List<ConsumerRecord<String, byte[]>> consume(String topic, int expected) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Set<TopicPartition> all = new HashSet<>(parts);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return out.size() >= expected && consumer.endOffsets(all).entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        return out;
    }
}
