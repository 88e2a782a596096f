package io.sluice.ledger;

import java.time.Instant;
import java.util.Optional;

/**
 * Durable progress of runs, keyed by run id. One writer per run id at a time (the orchestrator of
 * that run). Every write is durable when the method returns.
 */
public interface RunLedger extends AutoCloseable {

    Optional<RunRecord> find(String runId);

    /** Creates the record, replacing any earlier one under the same id (a forced rerun). */
    void start(RunRecord record);

    /** Batch {@code seq} was acknowledged by the broker; the run resumes after it. */
    void recordAck(String runId, long seq, Instant at);

    void setStatus(String runId, RunStatus status, Instant at);

    @Override
    void close();
}
