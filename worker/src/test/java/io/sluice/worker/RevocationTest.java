package io.sluice.worker;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A revoked partition's orgs stop at once on the member that lost it: their tickets leave the pool's
 * queue and their queries are aborted, releasing their slots, instead of running on beside the new owner.
 */
class RevocationTest {

    @Test
    void revocationCancelsThatPartitionsTicketsAndQueriesAndReleasesTheirSlots() throws Exception {
        // Queries take 20 s and tickets may wait 30 s: anything that ends within a few seconds was cancelled.
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofSeconds(20)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of(
                     "kafka.topics.partitions", "2",
                     "slots.limit", "2",
                     "slots.lease-ttl", "30s",
                     "snuba.timeout", "60s"))) {
            try (KafkaProducer<byte[], byte[]> p = KafkaClients.producer(stack.config.kafka(), stack.name + "-p")) {
                for (int partition = 0; partition < 2; partition++) {
                    List<Long> orgs = List.of(1L + 10 * partition, 2L + 10 * partition, 3L + 10 * partition);
                    Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-revoke", partition, orgs, StackFixture.WINDOW, Instant.now());
                    p.send(new ProducerRecord<>(stack.config.kafka().topics().batches(), partition,
                            StackFixture.utf8(b.key()), MessageCodec.encode(b))).get();
                }
            }
            Worker w0 = stack.startWorker("w0");
            // Both partitions on w0: one query per partition holds the two slots, the other four orgs wait in the queue.
            await().atMost(Duration.ofSeconds(30)).until(() -> w0.loop().inFlight() == 6 && sim.inFlight() == 2);

            Worker w1 = stack.startWorker("w1");
            await().atMost(Duration.ofSeconds(30)).until(() -> w1.loop().assignedPartitions() == 1);

            // w0 keeps one partition's three orgs; the revoked partition's query and tickets are gone within
            // seconds (not after the 20 s query or the 30 s ticket wait), and its slot went to the new owner.
            await().atMost(Duration.ofSeconds(5)).until(() -> w0.loop().inFlight() == 3);
            await().atMost(Duration.ofSeconds(5)).until(() -> w1.loop().inFlight() == 3 && sim.stats().requests() >= 3);
        }
    }
}
