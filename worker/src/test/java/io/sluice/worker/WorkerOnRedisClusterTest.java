package io.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.EmbeddedRedisCluster;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.jobs.spike.ProjectionResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Workers whose Redis is a real 3-primary Cluster ({@code redis.uri: redis-cluster://...}): the slot
 * pool and the result watermarks both run there; every org is projected once and the downstream,
 * which would admit twice the pool's limit, never sees more than the pool allows.
 */
class WorkerOnRedisClusterTest {

    @Test
    void workersProjectEveryOrgWithThePoolAndWatermarksOnACluster() throws Exception {
        try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.start(3, 0);
             SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(12)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(20)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of("redis.uri", cluster.uri(), "slots.limit", "6",
                     "worker.max-in-flight", "8"))) {
            List<Long> orgs = LongStream.rangeClosed(1, 400).boxed().toList();
            stack.startWorker("c1");
            stack.startWorker("c2");
            stack.publish("r-cluster", orgs, 25);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().size() == orgs.size());
            Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
            assertThat(results.keySet()).containsExactlyElementsOf(orgs);
            assertThat(sim.stats().maxPeakInFlight()).as("peak at the downstream vs the pool limit").isLessThanOrEqualTo(6);
            long pauses = stack.workers.stream().mapToLong(w -> w.loop().pauses()).sum();
            assertThat(pauses).as("the pool refused someone: the contention was real").isPositive();
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
        }
    }
}
