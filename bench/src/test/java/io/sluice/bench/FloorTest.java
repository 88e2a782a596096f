package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.embedded.SharedServers;
import org.junit.jupiter.api.Test;

class FloorTest {

    @Test
    void pubsubDeliveryIsTimedForEveryMessage() throws Exception {
        long[] nanos = Floor.pubsub(SharedServers.redis().uri(), 5, 40);
        assertThat(nanos).hasSize(40).isSorted();
        assertThat(nanos[0]).isPositive();
    }

    @Test
    void theFloorHasOrderedPercentiles() throws Exception {
        Floor.Figures f = Floor.measure(SharedServers.redis().uri(), 100);
        assertThat(f.pingP50Ms()).isPositive().isLessThanOrEqualTo(f.pingP99Ms());
        assertThat(f.pubsubP50Ms()).isPositive().isLessThanOrEqualTo(f.pubsubP99Ms());
        assertThat(f.toString()).startsWith("floor: PING round trip");
    }
}
