package io.sluice.worker.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.embedded.EmbeddedRedisCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Watermarks on a real 3-primary Redis Cluster: all keys carry the results topic as hash tag, so the
 * multi-key read and the claim/advance scripts run on one node.
 */
class WatermarksClusterTest {

    @Test
    void claimAdvanceAndReadWorkOnACluster() throws Exception {
        try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.start(3, 0);
             Watermarks w = new Watermarks(cluster.uri(), Duration.ofSeconds(2), "results-cluster")) {
            long end = 1_764_547_200_000L;
            for (long org = 1; org <= 50; org++) {
                assertThat(w.claim(new long[] {org}, new long[] {end}, "t", Duration.ofSeconds(30)).get())
                        .containsExactly(new Watermarks.Held(-1));
                assertThat(w.advance(new long[] {org}, new long[] {end}, "t").get()).isEqualTo(1);
            }
            assertThat(w.read(List.of(1L, 25L, 50L, 51L)).get()).containsExactly(end, end, end, -1L);
            assertThat(w.claim(new long[] {7, 60}, new long[] {end - 1, end}, "u", Duration.ofSeconds(30)).get())
                    .as("an older window is stale; many orgs in one call on one node").containsExactly(new Watermarks.Stale(end),
                            new Watermarks.Held(-1));
        }
    }
}
