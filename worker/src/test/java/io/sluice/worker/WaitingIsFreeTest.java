package io.sluice.worker;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker whose orgs all wait on a full pool costs next to nothing: its poll thread waits for its own
 * events instead of turning (against the embedded broker, Redis and the simulator). The KIP-848
 * consumer's own spin inside {@code poll(timeout)} was intermittent and cannot be forced here; this
 * guards the loop's side (no zero-timeout turns, no wake-up storms). Figures: docs/BENCHMARKS.md.
 */
class WaitingIsFreeTest {

    @Test
    void aWorkerWaitingOnAFullPoolUsesAlmostNoCpuOnItsPollThread() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofSeconds(30)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of(
                     "kafka.topics.partitions", "2",
                     "slots.limit", "1",
                     "slots.lease-ttl", "40s",
                     "snuba.timeout", "60s"))) {
            Worker w = stack.startWorker("idle");
            List<Long> orgs = LongStream.rangeClosed(1, 8).boxed().toList();
            stack.publish("r-idle", orgs, 2);
            // One org runs (30 s), the other seven wait in the pool's queue: nothing for the loop to do.
            await().atMost(Duration.ofSeconds(30)).until(() -> sim.inFlight() == 1 && w.loop().inFlight() == 8);

            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long id = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("sluice-poll-idle"))
                    .findFirst().orElseThrow().threadId();
            long cpu0 = mx.getThreadCpuTime(id);
            long t0 = System.nanoTime();
            await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);   // the measurement window
            double share = (double) (mx.getThreadCpuTime(id) - cpu0) / (System.nanoTime() - t0);
            System.out.printf("poll thread of a waiting worker: %.3f %% of a core%n", share * 100);
            assertThat(share).as("poll thread CPU share while every org waits").isLessThan(0.02);
            assertThat(w.loop().inFlight()).isEqualTo(8);   // still waiting: nothing was skipped
        }
    }
}
