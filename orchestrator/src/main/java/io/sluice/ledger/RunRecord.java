package io.sluice.ledger;

import io.sluice.messages.Window;

import java.time.Duration;
import java.time.Instant;

/**
 * What the ledger keeps about one run: enough to resume it exactly after the last acknowledged
 * batch ({@code lastAckedSeq}, −1 before the first), to refuse resuming a different plan
 * ({@code fingerprint}), and to report it: {@code orgs} in the plan, {@code startedAt} of the
 * first attempt, {@code pacing} in force, and {@code finishBy} (null without {@code finish-within}).
 */
public record RunRecord(String runId, String fingerprint, long total, Window window, long lastAckedSeq,
                        RunStatus status, Instant updatedAt, long orgs, Instant startedAt, Duration pacing,
                        Instant finishBy) {

    /** A record without the reporting fields (older ledgers, tests). */
    public RunRecord(String runId, String fingerprint, long total, Window window, long lastAckedSeq,
                     RunStatus status, Instant updatedAt) {
        this(runId, fingerprint, total, window, lastAckedSeq, status, updatedAt, -1, updatedAt, null, null);
    }

    public RunRecord withProgress(long seq, Instant at) {
        return new RunRecord(runId, fingerprint, total, window, seq, status, at, orgs, startedAt, pacing, finishBy);
    }

    public RunRecord withStatus(RunStatus s, Instant at) {
        return new RunRecord(runId, fingerprint, total, window, lastAckedSeq, s, at, orgs, startedAt, pacing, finishBy);
    }

    public RunRecord withPacing(Duration p) {
        return new RunRecord(runId, fingerprint, total, window, lastAckedSeq, status, updatedAt, orgs, startedAt, p, finishBy);
    }

    public long remainingBatches() {
        return total - (lastAckedSeq + 1);
    }
}
