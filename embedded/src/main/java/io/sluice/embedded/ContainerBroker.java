package io.sluice.embedded;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' Kafka (KRaft, the apache/kafka image of the client version). Only touched when the
 * Testcontainers classes are on the class path and a Docker engine answers ({@link #dockerAnswers()}).
 */
final class ContainerBroker implements TestBroker {
    static final String IMAGE = "apache/kafka:4.1.0";
    private final KafkaContainer container;

    private ContainerBroker(KafkaContainer container) {
        this.container = container;
    }

    /** True when Testcontainers is present and finds a Docker engine; never throws. */
    static boolean dockerAnswers() {
        boolean configured = System.getenv("DOCKER_HOST") != null
                || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
                || java.nio.file.Files.exists(java.nio.file.Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!configured) {
            return false;   // no engine to ask: skip Testcontainers' own probing (and its error log)
        }
        try {
            Class.forName("org.testcontainers.DockerClientFactory");
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    static ContainerBroker start() {
        KafkaContainer c = new KafkaContainer(DockerImageName.parse(IMAGE));
        c.start();
        Runtime.getRuntime().addShutdownHook(new Thread(c::stop, "shared-kafka-container-stop"));
        return new ContainerBroker(c);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void createTopic(String name, int partitions) {
        ExternalBroker.createTopic(bootstrapServers(), name, partitions);
    }

    @Override
    public boolean isRunning() {
        return container.isRunning();
    }

    @Override
    public String describe() {
        return "Testcontainers Kafka " + IMAGE + " at " + bootstrapServers();
    }
}
