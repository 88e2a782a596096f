package io.sluice.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.embedded.EmbeddedRedisCluster;
import io.sluice.messages.Window;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The run ledger on a real 3-primary Redis Cluster: every key of a run shares the run id as its
 * hash tag, so its Lua scripts (claim, start, update) run on one node; the run index lives on
 * whichever node owns it. A standalone client would fail here with MOVED on two thirds of the runs.
 */
class RedisRunLedgerClusterTest {

    @Test
    void runsClaimWriteAndResumeOnACluster() {
        Window w = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
        Instant t = Instant.parse("2026-11-28T12:00:00Z");
        try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.start(3, 0)) {
            try (RedisRunLedger ledger = new RedisRunLedger(cluster.uri(), Duration.ofSeconds(2))) {
                // Ten runs spread over the three primaries' slots.
                for (int i = 0; i < 10; i++) {
                    String run = "r-" + i;
                    RunLease lease = ledger.claim(run, "test", Duration.ofSeconds(30));
                    RunRecord r = new RunRecord(run, "fp", 40, w, -1, RunStatus.RUNNING, t);
                    ledger.start(lease, r, new long[] {1, 2, i + 3L});
                    ledger.update(lease, r.withProgress(0, t.plusSeconds(2)));
                    assertThatThrownBy(() -> ledger.claim(run, "another", Duration.ofSeconds(30)))
                            .isInstanceOf(RunHeldException.class);
                }
                assertThat(ledger.recentRuns(20)).hasSize(10);
            }
            try (RedisRunLedger reopened = new RedisRunLedger(cluster.uri(), Duration.ofSeconds(2))) {
                for (int i = 0; i < 10; i++) {
                    assertThat(reopened.find("r-" + i)).get().extracting(RunRecord::lastAckedSeq).isEqualTo(0L);
                    assertThat(reopened.plan("r-" + i)).get().isEqualTo(new long[] {1, 2, i + 3L});
                }
            }
        }
    }
}
