package io.sluice.worker.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            assertThatThrownBy(() -> w.read(List.of(1L)).join()).as("no epoch yet").hasCauseInstanceOf(Watermarks.Lost.class);
            assertThat(w.rebuildLock("r", Duration.ofSeconds(30)).get()).isEqualTo("mine");
            assertThat(w.publishEpoch("r", "1").get()).isTrue();
            for (long org = 1; org <= 50; org++) {
                assertThat(w.claim(new long[] {org}, new long[] {end}, "t", Duration.ofSeconds(30)).get())
                        .containsExactly(new Watermarks.Held(-1, ""));
                assertThat(w.finish(new long[] {org}, new String[] {end + ":t"}, new String[] {Long.toString(end)}, "t").get())
                        .isEqualTo(1);
            }
            assertThat(w.read(List.of(1L, 25L, 50L, 51L)).get()).containsExactly(new Watermarks.Mark(end, null),
                    new Watermarks.Mark(end, null), new Watermarks.Mark(end, null), new Watermarks.Mark(-1, null));
            assertThat(w.claim(new long[] {7, 60}, new long[] {end - 1, end}, "u", Duration.ofSeconds(30)).get())
                    .as("an older window is stale; many orgs in one call on one node").containsExactly(new Watermarks.Stale(end),
                            new Watermarks.Held(-1, ""));
        }
    }
}
