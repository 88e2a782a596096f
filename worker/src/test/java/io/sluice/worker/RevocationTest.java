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
 * A revoked partition's running query, on the member that lost it, is not cut short: the downstream
 * runs it to its end whatever the client does, so it keeps its slot until it ends and only then does
 * the new owner get it. The
 * downstream never sees more than the pool's limit (before this, the aborted query's slot went to
 * the new owner while the simulator still ran it: 3 in flight against a limit of 2).
 */
class RevocationTest {

    @Test
    void aRevokedPartitionsRunningQueryKeepsItsSlotUntilItEndsSoTheCapHolds() throws Exception {
        // Queries take 8 s and tickets wait as long as their worker lives.
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofSeconds(8)))).start();
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
            // Both partitions on w0: two queries hold the two slots, the other four orgs wait in the queue.
            await().atMost(Duration.ofSeconds(30)).until(() -> w0.loop().inFlight() == 6 && sim.inFlight() == 2);

            Worker w1 = stack.startWorker("w1");
            await().atMost(Duration.ofSeconds(30)).until(() -> w1.loop().assignedPartitions() == 1);

            // The revoked partition's query runs on under its slot: the new owner's orgs wait meanwhile.
            await().atMost(Duration.ofSeconds(5)).until(() -> w1.loop().inFlight() == 3);
            assertThat(sim.inFlight()).isEqualTo(2);
            assertThat(sim.stats().requests()).as("the new owner's orgs wait for a slot").isEqualTo(2);
            // Once that query ends its slot goes to the new owner.
            await().atMost(Duration.ofSeconds(30)).until(() -> w0.loop().inFlight() <= 3 && sim.stats().requests() >= 3);
            await().atMost(Duration.ofSeconds(60)).until(() -> stack.resultsByOrg().size() == 6);
            assertThat(sim.stats().maxPeakInFlight()).as("the downstream never saw more than the pool's limit")
                    .isLessThanOrEqualTo(2);
        }
    }
}
