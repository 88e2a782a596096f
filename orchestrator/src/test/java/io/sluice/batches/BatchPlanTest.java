package io.sluice.batches;

import io.sluice.messages.Batch;
import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class BatchPlanTest {
    private final BatchPlanner planner = new BatchPlanner(25, 7);

    @Test
    void theWindowIsTheHistoryDaysBeforeTodayInUtc() {
        Window w = planner.windowAt(Instant.parse("2026-11-28T12:00:34.120Z"));
        assertThat(w).isEqualTo(new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z")));
        assertThat(planner.windowAt(Instant.parse("2026-11-28T00:00:00Z")).end()).isEqualTo(Instant.parse("2026-11-28T00:00:00Z"));
    }

    @Test
    void orgsAreCutInIdOrderIntoFullBatchesAndOneSmallerLastBatch() {
        // 1,001 orgs at 25 per batch: 40 full batches and a 41st holding one org.
        long[] shuffled = LongStream.rangeClosed(1, 1_001).map(i -> (i * 7919) % 1_001 + 1).toArray();
        BatchPlan plan = planner.plan("r-1", OrgList.of(shuffled), window());
        assertThat(plan.batchCount()).isEqualTo(41);
        assertThat(plan.orgIds(0)).containsExactly(LongStream.rangeClosed(1, 25).toArray());
        assertThat(plan.orgIds(39)).containsExactly(LongStream.rangeClosed(976, 1_000).toArray());
        assertThat(plan.orgIds(40)).containsExactly(1_001);
        assertThat(plan.orgsThrough(39)).isEqualTo(1_000);
        assertThat(plan.orgsThrough(40)).isEqualTo(1_001);

        Batch b = plan.batch(17, Instant.parse("2026-11-28T12:00:34.120Z"));
        assertThat(b.key()).isEqualTo("r-1:17");
        assertThat(b.orgIds()).hasSize(25).startsWith(426L);
        assertThat(b.window()).isEqualTo(window());
    }

    @Test
    void theFingerprintCoversOrgsBatchSizeAndWindow() {
        OrgList orgs = OrgList.of(1, 2, 3);
        String fp = BatchPlan.fingerprint(orgs, 25, window());
        assertThat(fp).hasSize(64).isEqualTo(BatchPlan.fingerprint(OrgList.of(3, 2, 1, 1), 25, window()));
        assertThat(BatchPlan.fingerprint(OrgList.of(1, 2, 4), 25, window())).isNotEqualTo(fp);
        assertThat(BatchPlan.fingerprint(orgs, 24, window())).isNotEqualTo(fp);
        assertThat(BatchPlan.fingerprint(orgs, 25, new Window(window().start().minusSeconds(86_400), window().end()))).isNotEqualTo(fp);
    }

    private static Window window() {
        return new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    }
}
