package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.embedded.SharedServers;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FloorTest {

    @Test
    void duringAWindowTheProbeSamplesAtItsPaceUntilTheWindowEnds() throws Exception {
        try (Floor.Probe probe = new Floor.Probe(SharedServers.redis().uri())) {
            long start = System.nanoTime();
            Floor.Figures f = Floor.during(probe, Duration.ofMillis(300), Duration.ofMillis(10));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(tookMs).as("the window").isBetween(300L, 1_000L);
            assertThat(f.samples()).as("one sample of each per 10 ms, at most").isBetween(5, 31);
            assertThat(f.pubsubP50Ms()).isPositive().isLessThanOrEqualTo(f.pubsubP99Ms());
        }
    }

    @Test
    void theFloorHasOrderedPercentiles() throws Exception {
        Floor.Figures f = Floor.measure(SharedServers.redis().uri(), 100);
        assertThat(f.pingP50Ms()).isPositive().isLessThanOrEqualTo(f.pingP99Ms());
        assertThat(f.pubsubP50Ms()).isPositive().isLessThanOrEqualTo(f.pubsubP99Ms());
        assertThat(f.samples()).isEqualTo(100);
        assertThat(f.toString()).startsWith("PING round trip");
    }
}
