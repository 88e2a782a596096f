package io.sluice.orchestrator;

import io.sluice.messages.Batch;

import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;

/** Where batches go: the batches topic, or a test double. */
public interface BatchSink extends AutoCloseable {

    /** Makes ready to send (for Kafka: checks the broker answers and creates missing topics). */
    void open();

    /** Sends one batch and returns once the broker acknowledged it; throws if it was not. */
    void send(Batch batch);

    /**
     * The batches of run {@code runId} already in the topic that were published at or after
     * {@code since}, by seq (a seq found twice appears once); empty when there is none. Throws
     * {@link KafkaUnavailableException} when the topic cannot be read to its end. A run asks before it
     * resumes, after Redis lost its ledger, and after a send whose fate is unknown, so that it never
     * publishes again what the topic already holds.
     */
    default SortedMap<Long, Batch> published(String runId, Instant since) {
        return new TreeMap<>();
    }

    @Override
    void close();
}
