package io.sluice.ledger;

/** Where a run stands. Only {@link #FINISHED} refuses to run again (unless forced). */
public enum RunStatus {
    RUNNING, STOPPED, FAILED, FINISHED
}
