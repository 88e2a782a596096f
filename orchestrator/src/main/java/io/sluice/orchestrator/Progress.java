package io.sluice.orchestrator;

import java.time.Duration;

/**
 * A snapshot of a run for the operator: batches acknowledged out of the total (including those
 * of an earlier attempt of the same run), orgs in them, time since this process started sending
 * and the estimated time left at this process's rate.
 */
public record Progress(String runId, long batchesDone, long batchesTotal, long orgsDone, long orgsTotal,
                       Duration elapsed, Duration eta) {

    public double fraction() {
        return batchesTotal == 0 ? 1.0 : (double) batchesDone / batchesTotal;
    }
}
