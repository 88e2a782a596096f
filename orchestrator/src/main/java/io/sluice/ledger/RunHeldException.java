package io.sluice.ledger;

/** A second publisher tried to claim a run another live orchestrator holds. */
public final class RunHeldException extends RuntimeException {
    private final RunLease.Holder holder;

    public RunHeldException(String runId, RunLease.Holder holder) {
        super("run " + runId + " is being published by " + holder.name() + " (lease token " + holder.token()
                + ", expires in " + holder.remaining().toMillis() + " ms unless renewed); not starting a second publisher."
                + " If that orchestrator is dead, retry after its lease expires; to run the same orgs now, use another --run-id");
        this.holder = holder;
    }

    public RunLease.Holder holder() {
        return holder;
    }
}
