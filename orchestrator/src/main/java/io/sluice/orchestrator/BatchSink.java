package io.sluice.orchestrator;

import io.sluice.messages.Batch;

/** Where batches go: the batches topic, or a test double. */
public interface BatchSink extends AutoCloseable {

    /** Makes ready to send (for Kafka: checks the broker answers and creates missing topics). */
    void open();

    /** Sends one batch and returns once the broker acknowledged it; throws if it was not. */
    void send(Batch batch);

    /**
     * The highest sequence number of run {@code runId} among the batches already in the topic that
     * were published at or after {@code since}, or -1 when there is none (or it cannot be read). A
     * resumed run asks so that it never publishes again what its ledger forgot (Redis restored from an
     * older snapshot takes the run's progress back, not the batches topic).
     */
    default long publishedThrough(String runId, java.time.Instant since) {
        return -1;
    }

    @Override
    void close();
}
