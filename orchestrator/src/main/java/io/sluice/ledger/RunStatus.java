package io.sluice.ledger;

/**
 * Where a run stands. Only {@link #FINISHED} refuses to run again (unless forced). {@link #STOPPED}
 * (on request) and {@link #INTERRUPTED} (broker, Redis or the run lease failed) ended with exit 3 and
 * resume; {@link #FAILED} ended with bad input found mid-run.
 */
public enum RunStatus {
    RUNNING, STOPPED, INTERRUPTED, FAILED, FINISHED
}
