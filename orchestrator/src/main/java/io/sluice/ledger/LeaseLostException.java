package io.sluice.ledger;

/** A write by a holder whose run lease expired, was taken over, or vanished with Redis data: nothing was written. */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(RunLease lease) {
        super("run " + lease.runId() + ": lost the run lease (token " + lease.token()
                + "): it expired or another orchestrator took the run over; stopping without writing");
    }
}
