package io.sluice.cli;

import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Window;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The state `orchestrator status` reports for each way a run can stand, and its typed JSON. */
class RunViewTest {
    private static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");
    private static final Instant NOW = T0.plusSeconds(600);
    private static final RunLease.Holder LIVE = new RunLease.Holder("orch-1/pid 42/host", 7, Duration.ofSeconds(25));

    private static RunRecord record(RunStatus status, long lastAcked, Instant finishBy) {
        return new RunRecord("r-1", "fp", 4, new Window(T0.minusSeconds(86_400), T0), lastAcked, status, NOW.minusSeconds(5),
                100, T0, Duration.ofSeconds(2), finishBy);
    }

    private static RunView view(RunStatus status, RunLease.Holder holder, Instant finishBy) {
        return RunView.of(record(status, 0, finishBy), holder, 25, OptionalLong.of(30), "sluice-workers", 10_000, NOW);
    }

    @Test
    void anInterruptedRunIsResumableNotFailed() {
        assertThat(view(RunStatus.INTERRUPTED, null, null).state()).isEqualTo(RunView.State.INTERRUPTED_RESUMABLE);
        assertThat(view(RunStatus.STOPPED, null, null).state()).isEqualTo(RunView.State.INTERRUPTED_RESUMABLE);
        assertThat(view(RunStatus.RUNNING, null, null).state()).as("no live holder: crashed").isEqualTo(RunView.State.INTERRUPTED_RESUMABLE);
        assertThat(view(RunStatus.RUNNING, LIVE, null).state()).isEqualTo(RunView.State.RUNNING);
        assertThat(view(RunStatus.FAILED, null, null).state()).isEqualTo(RunView.State.FAILED);
        assertThat(view(RunStatus.FINISHED, null, null).state()).isEqualTo(RunView.State.FINISHED);
        assertThat(view(RunStatus.RUNNING, LIVE, NOW.plusSeconds(3)).state()).as("3 batches at 2 s end after finishBy").isEqualTo(RunView.State.LATE);
        assertThat(view(RunStatus.RUNNING, LIVE, NOW.plusSeconds(60)).state()).isEqualTo(RunView.State.RUNNING);
    }

    @Test
    void theHumanViewSaysHowToResume() {
        StringWriter out = new StringWriter();
        view(RunStatus.INTERRUPTED, null, null).print(new PrintWriter(out, true));
        assertThat(out.toString()).contains("INTERRUPTED_RESUMABLE").contains("sluice orchestrator run --run-id r-1")
                .contains("1 of 4 published").doesNotContain("FAILED");
    }

    @Test
    void jsonHasIntegersAndIsoInstantsAndDurations() {
        Map<String, Object> json = view(RunStatus.INTERRUPTED, null, NOW.plusSeconds(3600)).json();
        assertThat(json).containsEntry("state", "INTERRUPTED_RESUMABLE").containsEntry("resumable", true)
                .containsEntry("batchesPublished", 1L).containsEntry("batchesTotal", 4L)
                .containsEntry("orgsPublished", 25L).containsEntry("orgsTotal", 100L).containsEntry("backlogOrgs", 30L)
                .containsEntry("pacing", "PT2S").containsEntry("eta", "PT6S")
                .containsEntry("etaAt", "2026-12-06T01:10:06Z").containsEntry("startedAt", "2026-12-06T01:00:00Z")
                .containsEntry("finishBy", "2026-12-06T02:10:00Z");
        for (String instant : new String[] {"windowStart", "windowEnd", "updatedAt"}) {
            assertThat(Instant.parse((String) json.get(instant))).isNotNull();
        }
    }
}
