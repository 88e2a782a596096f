package io.sluice.worker;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.jobs.spike.ProjectionResult;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Bad input that reaches a worker end to end (the codec's poison matrix is MessageCodecTest; WorkerFaultsTest dead-letters it). */
class BadInputTest {
    private static final String WINDOW = "\"window\":{\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-28T00:00:00Z\"}";
    /** The producer's default max.request.size; the broker's message.max.bytes default is a little larger. */
    private static final int PRODUCER_LIMIT = 1_048_576;

    private static SnubaSimulator simulator() {
        return new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
    }

    private static String batch(String runId, long seq, String orgIds, String extra) {
        return "{\"v\":1,\"job\":\"spike-projection\",\"runId\":\"" + runId + "\",\"seq\":" + seq + ",\"orgIds\":" + orgIds
                + "," + WINDOW + extra + "}";
    }

    /** Decision (DESIGN is silent): duplicate ids in a batch are de-duplicated; each org is queried and projected once. */
    @Test
    void duplicateOrgIdsInABatchAreProcessedOncePerOrg() {
        try (SnubaSimulator sim = simulator();
             StackFixture stack = new StackFixture(sim.url(), Map.of("kafka.topics.partitions", "1"))) {
            stack.publishRaw("r-dup:0", batch("r-dup", 0, "[5,5,6,5,6,7]", ""));
            stack.startWorker("w0");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(List.of(5L, 6L, 7L)));
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
            assertThat(results.get(5L)).hasSize(1);
            assertThat(results.get(6L)).hasSize(1);
            assertThat(sim.stats().queriesPerOrg()).containsEntry(5L, 1L).containsEntry(6L, 1L).containsEntry(7L, 1L);
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).isEmpty();
        }
    }

    @Test
    void aRecordNearTheSizeLimitIsProcessedAndOneOverItIsRefusedAtTheProducer() throws Exception {
        try (SnubaSimulator sim = simulator();
             StackFixture stack = new StackFixture(sim.url(), Map.of("kafka.topics.partitions", "1"))) {
            String topic = stack.config.kafka().topics().batches();
            // ~99 % of the producer's limit, padded with an unknown field (ignored by the codec).
            String near = batch("r-big", 0, "[11,12,13]", ",\"padding\":\"" + "x".repeat(PRODUCER_LIMIT - 10_000) + "\"");
            String tooLarge = batch("r-big", 1, "[14]", ",\"padding\":\"" + "x".repeat(2 * PRODUCER_LIMIT) + "\"");
            try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(stack.config.kafka(), "big-producer")) {
                p.send(new ProducerRecord<>(topic, StackFixture.utf8("r-big:0"), StackFixture.utf8(near))).get(30, TimeUnit.SECONDS);
                assertThatThrownBy(() -> p.send(new ProducerRecord<>(topic, StackFixture.utf8("r-big:1"), StackFixture.utf8(tooLarge)))
                        .get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(RecordTooLargeException.class)
                        .hasMessageContaining("larger than " + PRODUCER_LIMIT)
                        .hasMessageContaining("max.request.size");
            }
            // A producer allowed larger requests than the broker takes is refused by the broker instead.
            Map<String, String> bigger = Map.of("max.request.size", Integer.toString(4 * PRODUCER_LIMIT));
            var kafka = new io.sluice.config.SluiceConfig.Kafka(stack.config.kafka().bootstrapServers(), stack.config.kafka().topics(),
                    Map.of(), bigger, Map.of());
            try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(kafka, "bigger-producer")) {
                assertThatThrownBy(() -> p.send(new ProducerRecord<>(topic, StackFixture.utf8("r-big:1"), StackFixture.utf8(tooLarge)))
                        .get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(RecordTooLargeException.class)
                        .hasMessageContaining("larger than the max message size the server will accept");
            }

            stack.startWorker("w0");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(List.of(11L, 12L, 13L)));
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            assertThat(stack.resultsByOrg()).doesNotContainKey(14L);
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).isEmpty();
        }
    }
}
