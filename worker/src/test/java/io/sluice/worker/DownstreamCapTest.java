package io.sluice.worker;

import io.sluice.embedded.snuba.Faults;
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
 * The cap holds at the downstream, not only in the pool's books: a query the worker stopped waiting for keeps its
 * slot until the downstream's own time limit has surely ended it.
 */
class DownstreamCapTest {

    @Test
    void queriesPastTheClientTimeoutKeepTheirSlotsSoTheDownstreamNeverSeesMoreThanThePool() {
        // The downstream takes twice the pool's limit, so that a slot given back early shows as a peak above 6
        // before the downstream would refuse anything. Like ClickHouse, it runs a query on after its client hangs up.
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(12)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(100)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of(
                     "slots.limit", "6",
                     "snuba.timeout", "400ms",
                     "downstream.max-query-time", "2500ms",
                     "slots.lease-ttl", "3s",
                     "worker.retry.max-attempts", "30"))) {
            // One query in four runs 2 s: past the client's 400 ms timeout, within the declared 2.5 s limit.
            sim.faults(Faults.none().withSlowQueries(0.25, Duration.ofMillis(2_000)));
            List<Long> orgs = LongStream.rangeClosed(1, 60).boxed().toList();
            stack.startWorker("w0");
            stack.startWorker("w1");
            stack.publish("r-slow", orgs, 10);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            assertThat(sim.stats().requests()).as("some queries timed out and were retried")
                    .isGreaterThan(orgs.size());
            int peak = sim.stats().peakInFlight().values().stream().mapToInt(Integer::intValue).max().orElse(0);
            assertThat(peak).as("queries running at the downstream at once, against a pool limit of 6").isLessThanOrEqualTo(6);
            assertThat(sim.stats().rateLimited()).isZero();
            Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
            assertThat(results.values()).allSatisfy(r -> assertThat(r).hasSize(1));
        }
    }
}
