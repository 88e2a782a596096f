package io.sluice.ledger;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link RunLedger} in a map, for tests and one-process runs ({@code sluice local}); not durable. */
public final class InMemoryRunLedger implements RunLedger {
    private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();

    @Override
    public Optional<RunRecord> find(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    @Override
    public void start(RunRecord record) {
        runs.put(record.runId(), record);
    }

    @Override
    public void recordAck(String runId, long seq, Instant at) {
        runs.computeIfPresent(runId, (k, r) -> r.withProgress(seq, at));
    }

    @Override
    public void setStatus(String runId, RunStatus status, Instant at) {
        runs.computeIfPresent(runId, (k, r) -> r.withStatus(status, at));
    }

    @Override
    public void close() {
    }
}
