package io.sluice.ledger;

import io.sluice.messages.Window;

import java.time.Instant;

/**
 * What the ledger keeps about one run: enough to resume it exactly after the last acknowledged
 * batch ({@code lastAckedSeq}, −1 before the first) and to refuse resuming a different plan
 * ({@code fingerprint}).
 */
public record RunRecord(String runId, String fingerprint, long total, Window window, long lastAckedSeq,
                        RunStatus status, Instant updatedAt) {

    public RunRecord withProgress(long seq, Instant at) {
        return new RunRecord(runId, fingerprint, total, window, seq, status, at);
    }

    public RunRecord withStatus(RunStatus s, Instant at) {
        return new RunRecord(runId, fingerprint, total, window, lastAckedSeq, s, at);
    }
}
