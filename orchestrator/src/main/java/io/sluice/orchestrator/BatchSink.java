package io.sluice.orchestrator;

import io.sluice.messages.Batch;

/** Where batches go: the batches topic, or a test double. */
public interface BatchSink extends AutoCloseable {

    /** Makes ready to send (for Kafka: checks the broker answers and creates missing topics). */
    void open();

    /** Sends one batch and returns once the broker acknowledged it; throws if it was not. */
    void send(Batch batch);

    @Override
    void close();
}
