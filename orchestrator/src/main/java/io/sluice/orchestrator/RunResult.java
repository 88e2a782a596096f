package io.sluice.orchestrator;

/**
 * How a run ended. {@code lastAckedSeq} is the last batch the broker acknowledged (−1 for none);
 * {@code publishedNow} counts those this process sent (a resumed run sent the others earlier).
 */
public record RunResult(Outcome outcome, String runId, long batchesTotal, long publishedNow, long lastAckedSeq,
                        long orgsTotal, String error) {

    /** Exit codes of {@code sluice orchestrator run} (DESIGN section 11); the CronJob's podFailurePolicy uses them. */
    public static final int EXIT_FINISHED = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_RESUMABLE = 3;

    public enum Outcome {
        /** Every batch acknowledged. Exit 0. */
        FINISHED,
        /** Stopped on request (SIGTERM) after the batch in flight was acknowledged. Exit 3: rerun to resume. */
        STOPPED,
        /** Cut short by a broker or Redis outage of lease-ttl or more, or a lost run lease; progress and plan kept. Exit 3: rerun to resume. */
        INTERRUPTED,
        /** Another live orchestrator holds the run. Exit 1. */
        HELD,
        /** Anything else, e.g. the org source could not be read. Exit 1. */
        FAILED
    }

    public int exitCode() {
        return switch (outcome) {
            case FINISHED -> EXIT_FINISHED;
            case STOPPED, INTERRUPTED -> EXIT_RESUMABLE;
            case HELD, FAILED -> EXIT_FAILED;
        };
    }
}
