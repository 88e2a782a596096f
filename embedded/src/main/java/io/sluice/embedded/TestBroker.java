package io.sluice.embedded;

/**
 * A Kafka broker integration tests talk to: the in-process KRaft {@link EmbeddedKafka}, Testcontainers'
 * Kafka, or an existing cluster. {@link SharedServers#kafka()} picks one per test JVM.
 */
public interface TestBroker {
    String bootstrapServers();

    /** Creates a topic (replication factor 1) and waits until the brokers confirm it. */
    void createTopic(String name, int partitions);

    boolean isRunning();

    /** Which broker this is, for the log line that says what a test run ran against. */
    String describe();
}
