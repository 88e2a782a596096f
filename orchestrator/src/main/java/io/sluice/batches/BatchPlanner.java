package io.sluice.batches;

import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Cuts an org list into batches. The window is the {@code historyDays} whole UTC days before
 * today: {@code [floor_day(now) − historyDays, floor_day(now))}. It is computed once when a run
 * starts and stored in its ledger, so a run resumed tomorrow still queries the same days.
 */
public final class BatchPlanner {
    private final int batchSize;
    private final int historyDays;

    public BatchPlanner(int batchSize, int historyDays) {
        if (batchSize < 1 || historyDays < 1) {
            throw new IllegalArgumentException("batchSize and historyDays must be at least 1");
        }
        this.batchSize = batchSize;
        this.historyDays = historyDays;
    }

    public Window windowAt(Instant now) {
        Instant end = now.truncatedTo(ChronoUnit.DAYS);
        return new Window(end.minus(Duration.ofDays(historyDays)), end);
    }

    public Window windowAt(Clock clock) {
        return windowAt(clock.instant());
    }

    public BatchPlan plan(String runId, OrgList orgs, Window window) {
        return new BatchPlan(runId, orgs, batchSize, window);
    }

    public int batchSize() {
        return batchSize;
    }
}
