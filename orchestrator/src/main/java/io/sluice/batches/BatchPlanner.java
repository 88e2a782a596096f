package io.sluice.batches;

import io.sluice.messages.Batch;
import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;

/**
 * Cuts an org list into batches of one job. The window is the job's for the run's start (spike projection:
 * the {@code historyDays} whole UTC days before today). It is computed once when a run starts and stored in
 * its ledger, so a run resumed tomorrow still queries the same days.
 */
public final class BatchPlanner {
    private final int batchSize;
    private final String job;
    private final Function<Instant, Window> windows;

    /** A planner of spike-projection batches over {@code historyDays} whole UTC days before today. */
    public BatchPlanner(int batchSize, int historyDays) {
        this(batchSize, Batch.JOB_SPIKE_PROJECTION, now -> {
            if (historyDays < 1) {
                throw new IllegalArgumentException("historyDays must be at least 1");
            }
            Instant end = now.truncatedTo(ChronoUnit.DAYS);
            return new Window(end.minus(Duration.ofDays(historyDays)), end);
        });
    }

    /** A planner of {@code job}'s batches, whose window for a run started at {@code now} is {@code windows(now)}. */
    public BatchPlanner(int batchSize, String job, Function<Instant, Window> windows) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        this.batchSize = batchSize;
        this.job = job;
        this.windows = windows;
    }

    public Window windowAt(Instant now) {
        return windows.apply(now);
    }

    public Window windowAt(Clock clock) {
        return windowAt(clock.instant());
    }

    public BatchPlan plan(String runId, OrgList orgs, Window window) {
        return new BatchPlan(runId, job, orgs, batchSize, window);
    }

    public int batchSize() {
        return batchSize;
    }
}
