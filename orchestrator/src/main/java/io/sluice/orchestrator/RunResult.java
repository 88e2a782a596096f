package io.sluice.orchestrator;

/**
 * How a run ended. {@code lastAckedSeq} is the last batch the broker acknowledged (−1 for none);
 * {@code publishedNow} counts those this process sent (a resumed run sent the others earlier).
 */
public record RunResult(Outcome outcome, String runId, long batchesTotal, long publishedNow, long lastAckedSeq,
                        long orgsTotal, String error) {

    public enum Outcome {
        /** Every batch acknowledged. */
        FINISHED,
        /** Stopped on request after the batch in flight was acknowledged; rerun with the same id to resume. */
        STOPPED,
        /** A runtime failure (broker, ledger, org source); progress up to {@code lastAckedSeq} is kept. */
        FAILED
    }

    /** 0 for finished or stopped, 1 for failed (bad usage never gets here: it throws ConfigException, exit 2). */
    public int exitCode() {
        return outcome == Outcome.FAILED ? 1 : 0;
    }
}
