package io.sluice.worker;

import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.Faults;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.messages.Batch;
import io.sluice.messages.DeadLetterHeaders;
import io.sluice.messages.MessageCodec;
import io.sluice.slots.SlotPool;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Faults the downstream, the pool and the fleet bring: each loses no org. */
class WorkerFaultsTest {
    private static SnubaSimulator simulator(int limit) {
        return new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(limit)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(20)))).start();
    }

    private static List<Long> orgs(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void rateLimitedAnswersAreRetriedUntilEveryOrgIsProjected() {
        try (SnubaSimulator sim = simulator(5);
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "10"))) {
            List<Long> orgs = orgs(1, 300);
            stack.startWorker("w0");
            stack.startWorker("w1");
            stack.publish("r-429", orgs, 25);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            assertThat(sim.stats().rateLimited()).as("the pool allowed more than the downstream takes").isPositive();
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).isEmpty();
        }
    }

    @Test
    void poisonRecordsAreDeadLetteredAndTheGoodOnesProcessed() {
        try (SnubaSimulator sim = simulator(100);
             StackFixture stack = new StackFixture(sim.url(), Map.of("kafka.topics.partitions", "1"))) {
            stack.publish("r-good-1", orgs(1, 10), 25);
            stack.publishRaw("bad:1", "this is not json");
            stack.publishRaw("bad:2", "{\"v\":2,\"job\":\"spike-projection\",\"runId\":\"r\",\"seq\":1,\"orgIds\":[1],"
                    + "\"window\":{\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-28T00:00:00Z\"}}");
            stack.publishRaw("bad:3", "{\"v\":1,\"job\":\"spike-projection\",\"runId\":\"r\",\"seq\":2,\"orgIds\":[],"
                    + "\"window\":{\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-28T00:00:00Z\"}}");
            stack.publishRaw("bad:4", "{\"v\":1,\"job\":\"spike-projection\",\"runId\":\"r\",\"seq\":3,\"orgIds\":[5,-7],"
                    + "\"window\":{\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-28T00:00:00Z\"}}");
            stack.publishRaw("bad:5", "{\"v\":1,\"job\":\"spike-projection\",\"runId\":\"r\",\"seq\":4,\"orgIds\":[5]}");
            stack.publish("r-good-2", orgs(11, 20), 25);
            stack.startWorker("w0");

            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs(1, 20)));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> stack.readAll(stack.config.kafka().topics().deadLetter()).size() == 5);
            List<ConsumerRecord<byte[], byte[]>> dead = stack.readAll(stack.config.kafka().topics().deadLetter());
            assertThat(dead).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("bad:1", "bad:2", "bad:3", "bad:4", "bad:5");
            assertThat(dead).allSatisfy(r -> {
                assertThat(header(r, DeadLetterHeaders.REASON)).isEqualTo("poison");
                assertThat(header(r, DeadLetterHeaders.ORIGINAL_TOPIC)).isEqualTo(stack.config.kafka().topics().batches());
                assertThat(header(r, DeadLetterHeaders.ORIGINAL_PARTITION)).isEqualTo("0");
                assertThat(Long.parseLong(header(r, DeadLetterHeaders.ORIGINAL_OFFSET))).isBetween(1L, 5L);
                assertThat(header(r, DeadLetterHeaders.ERROR)).isNotBlank();
            });
            assertThat(dead.stream().filter(r -> "bad:2".equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .map(r -> header(r, DeadLetterHeaders.ERROR))).singleElement().asString().contains("v=2");
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
        }
    }

    @Test
    void serverErrorsAreRetriedAndAnOrgThatAlwaysFailsIsDeadLetteredForReplay() {
        try (SnubaSimulator sim = simulator(100);
             StackFixture stack = new StackFixture(sim.url(), Map.of("worker.retry.max-attempts", "10"))) {
            sim.faults(Faults.none().withErrorRatio(0.3).withFailOrgs(Set.of(77L)));
            List<Long> orgs = orgs(1, 200);
            stack.startWorker("w0");
            stack.publish("r-5xx", orgs, 25);
            List<Long> others = orgs.stream().filter(o -> o != 77L).toList();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(others));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> stack.readAll(stack.config.kafka().topics().deadLetter()).size() == 1);
            ConsumerRecord<byte[], byte[]> dead = stack.readAll(stack.config.kafka().topics().deadLetter()).getFirst();
            assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo("exhausted");
            Batch single = assertDoesNotThrowDecode(dead.value());
            assertThat(single.orgIds()).containsExactly(77L);
            assertThat(single.runId()).isEqualTo("r-5xx");
            assertThat(sim.stats().queriesPerOrg().get(77L)).isEqualTo(10L);
            assertThat(stack.resultsByOrg()).doesNotContainKey(77L);
            assertThat(sim.stats().serverErrors()).isGreaterThan(10);
        }
    }

    @Test
    void aWorkerThatDiesLosesNothingAndItsSlotsComeBack() throws Exception {
        try (SnubaSimulator sim = simulator(100);
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "6"));
             SlotPool observer = Gates.pool(stack.config, "observer", new SimpleMeterRegistry())) {
            sim.faults(Faults.none().withSlowdown(5));   // 100 ms queries: the crash lands mid-query
            List<Long> orgs = orgs(1, 400);
            Worker doomed = stack.startWorker("doomed");
            stack.startWorker("survivor");
            await().atMost(Duration.ofSeconds(60)).until(() -> doomed.loop().assignedPartitions() > 0
                    && stack.workers.get(1).loop().assignedPartitions() > 0);
            stack.publish("r-crash", orgs, 25);
            await().atMost(Duration.ofSeconds(60)).until(() -> doomed.loop().inFlight() > 0 && stack.resultsByOrg().size() > 20);

            doomed.crash();
            stack.startWorker("replacement");

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            assertThat(sim.stats().maxPeakInFlight()).isLessThanOrEqualTo(6);
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            // The dead worker's leases lapse (lease-ttl 3s); nothing else holds a slot once all is done.
            await().atMost(Duration.ofSeconds(15)).until(() -> { observer.reap(); return observer.status().inUse() == 0; });
        }
    }

    @Test
    void aRebalanceWhilePartitionsArePausedSkipsNothingAndLeavesNoPartitionStuck() {
        try (SnubaSimulator sim = simulator(100);
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "2", "worker.max-in-flight", "6"))) {
            List<Long> orgs = orgs(1, 300);
            Worker first = stack.startWorker("first");
            stack.publish("r-rebalance", orgs, 25);
            await().atMost(Duration.ofSeconds(60)).until(() -> first.loop().pauses() > 0 && stack.resultsByOrg().size() > 10);

            Worker joiner = stack.startWorker("joiner");
            await().atMost(Duration.ofSeconds(60)).until(() -> joiner.loop().assignedPartitions() > 0);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            assertThat(first.loop().inFlight() + joiner.loop().inFlight()).isZero();
            assertThat(sim.stats().maxPeakInFlight()).isLessThanOrEqualTo(2);
        }
    }

    private static Batch assertDoesNotThrowDecode(byte[] value) {
        try {
            return MessageCodec.decodeBatch(value);
        } catch (Exception e) {
            throw new AssertionError("dead letter is not a replayable batch", e);
        }
    }
}
