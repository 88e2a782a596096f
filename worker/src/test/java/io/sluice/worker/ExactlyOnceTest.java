package io.sluice.worker;

import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.SharedServers;
import io.sluice.embedded.TcpProxy;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.jobs.spike.ProjectionResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Output is exactly once for a {@code read_committed} reader (DESIGN section 11). The hard case is a
 * zombie: a worker stalled in the middle of writing its output (here its Redis connections are held
 * by a proxy, so the flush that claims the publish locks hangs) is put out of the group after
 * {@code max.poll.interval.ms}; another worker takes its partitions and writes those batches' output.
 * When the zombie wakes it still writes what it had finished. With transactions that write carries
 * the zombie's old group generation (KIP-447) and is fenced and aborted: nothing of it is visible.
 * With {@code worker.exactly-once: false} the same run duplicates those results.
 */
class ExactlyOnceTest {

    @Test
    void aStalledWorkerPutOutOfTheGroupNeverDuplicatesAResultOrADeadLetter() {
        EmbeddedRedis redis = SharedServers.redis();
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(20)))).start();
             TcpProxy toRedis = new TcpProxy(redis.host(), redis.port());
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "12", "worker.max-in-flight", "8",
                     "kafka.topics.partitions", "4", "redis.timeout", "30s",
                     "kafka.consumer.max.poll.interval.ms", "5000"))) {
            List<Long> orgs = LongStream.rangeClosed(1, 800).boxed().toList();
            Worker zombie = stack.startWorker("zombie", Map.of("redis.uri", toRedis.redisUri()));
            Worker taker = stack.startWorker("taker");
            stack.publishRaw("poison-1", "{not a batch");
            stack.publish("r-eo", orgs, 1);   // one org per batch: every org that ends completes a batch, to be flushed
            String resultsTopic = stack.config.kafka().topics().results();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> stack.readAll(resultsTopic).size() >= 100 && zombie.loop().assignedPartitions() > 0);

            toRedis.existing(TcpProxy.Mode.HOLD);   // the zombie's next flush hangs on its claim, holding finished results
            int before = stack.readAll(resultsTopic).size();
            await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(100))
                    .until(() -> taker.loop().assignedPartitions() == 4 && stack.readAll(resultsTopic).size() >= before + 100);
            toRedis.existing(TcpProxy.Mode.FORWARD);   // it wakes and writes what it had

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs) && stack.committedToEnd());
            Map<Long, List<ProjectionResult>> byOrg = stack.resultsByOrg();
            assertThat(byOrg).hasSize(orgs.size());
            List<Long> twice = byOrg.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
            assertThat(twice).as("orgs with more than one result record (read_committed)").isEmpty();
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).as("one dead letter for one poison record")
                    .hasSize(1);
        }
    }
}
