package io.sluice.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one {@link KafkaRaftServer}) running in
 * this JVM, for {@code sluice local} and integration tests.
 *
 * <p>Internal topics have replication factor 1, {@code min.insync.replicas=1}, the initial
 * rebalance delay is 0 and topics are not auto-created. Ports are chosen before the first
 * start (one retry on a clash) and kept, so {@link #restart()} comes back on the same ports
 * and the same log dir with the data intact. The KIP-848 consumer protocol
 * ({@code group.protocol=consumer}) is served. Extra listeners (e.g. {@code SASL_PLAINTEXT})
 * and any broker property can be added through the {@link Builder}.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
 *     kafka.createTopic("orders", 6);
 *     producerProps.put("bootstrap.servers", kafka.bootstrapServers());
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable, TestBroker {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    static final String HOST = "127.0.0.1";
    public static final String BROKER_LISTENER = "PLAINTEXT";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final int NODE_ID = 1;
    /** The consumer heartbeat interval by default here: quick rebalances for tests. */
    public static final Duration TEST_CONSUMER_HEARTBEAT = Duration.ofSeconds(1);
    /** Kafka's own default {@code group.consumer.heartbeat.interval.ms}: what a production broker runs with. */
    public static final Duration KAFKA_DEFAULT_CONSUMER_HEARTBEAT = Duration.ofSeconds(5);

    private final Builder options;
    private final Path logDir;
    private final boolean deleteLogDirOnClose;
    private final Map<String, Integer> listenerPorts = new LinkedHashMap<>();
    private final String clusterId = Uuid.randomUuid().toString();
    private KafkaRaftServer server;

    private EmbeddedKafka(Builder options) {
        this.options = options;
        if (options.logDir == null) {
            try {
                this.logDir = Files.createTempDirectory("sluice-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temp log dir for the embedded broker", e);
            }
            this.deleteLogDirOnClose = true;
        } else {
            this.logDir = options.logDir;
            this.deleteLogDirOnClose = false;
        }
        listenerPorts.put(BROKER_LISTENER, options.brokerPort);
        listenerPorts.put(CONTROLLER_LISTENER, options.controllerPort);
        options.extraListeners.keySet().forEach(name -> listenerPorts.put(name, 0));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the log dir if needed, starts the node and waits until it serves metadata. */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            return this;
        }
        if (options.guardExit) {
            ExitGuard.install();
        }
        boolean portsChosenHere = listenerPorts.containsValue(0);
        pickMissingPorts();
        try {
            launch();
        } catch (RuntimeException e) {
            if (!portsChosenHere || !isBindFailure(e)) {
                throw e;
            }
            log.warn("embedded Kafka could not bind {}; retrying once on other ports", listenerPorts);
            listenerPorts.replaceAll((name, port) -> options.fixedPort(name) ? port : 0);
            pickMissingPorts();
            launch();
        }
        return this;
    }

    /** Shuts the node down and waits until it is gone; the log dir is kept for {@link #start()}. */
    public synchronized void stop() {
        KafkaRaftServer s = server;
        if (s == null) {
            return;
        }
        server = null;
        s.shutdown();
        s.awaitShutdown();
    }

    /** Stops and starts again on the same ports and log dir; topics and records survive. */
    public synchronized void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code 127.0.0.1:PORT} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers(BROKER_LISTENER);
    }

    /** {@code 127.0.0.1:PORT} of the named listener (e.g. an extra {@code SASL_PLAINTEXT} one). */
    public synchronized String bootstrapServers(String listenerName) {
        Integer port = listenerPorts.get(listenerName);
        if (port == null) {
            throw new IllegalArgumentException("no listener named " + listenerName + "; valid: " + listenerPorts.keySet());
        }
        return HOST + ":" + port;
    }

    public synchronized int brokerPort() {
        return listenerPorts.get(BROKER_LISTENER);
    }

    public synchronized int controllerPort() {
        return listenerPorts.get(CONTROLLER_LISTENER);
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public String describe() {
        return "in-process KRaft broker (kafka_2.13) at " + bootstrapServers();
    }

    /** Creates a topic with replication factor 1 and waits for the broker to confirm it. */
    @Override
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Creates a topic with replication factor 1 and the given topic configs (e.g. {@code cleanup.policy=compact}). */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(adminConfig())) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + name + " with " + partitions + " partitions", e);
        }
    }

    /** Client settings that reach this broker over PLAINTEXT; a fresh mutable map. */
    public Map<String, Object> adminConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return config;
    }

    /** Stops the node and, when the log dir was a fresh temp dir, deletes it. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            if (deleteLogDirOnClose) {
                Dirs.deleteRecursively(logDir, "embedded Kafka log dir");
            }
        }
    }

    private void pickMissingPorts() {
        listenerPorts.replaceAll((name, port) -> port == 0 ? FreePorts.pick() : port);
    }

    private void launch() {
        KafkaConfig config = KafkaConfig.fromProps(brokerProperties(), false);
        formatIfNeeded(config);
        KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            s.startup();
            awaitServing();
        } catch (RuntimeException e) {
            try {
                s.shutdown();
                s.awaitShutdown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        server = s;
    }

    Properties brokerProperties() {
        return KafkaNodeProperties.of(listenerPorts, controllerPort(), options.extraListeners, logDir,
                options.consumerHeartbeat, options.properties);
    }

    private void formatIfNeeded(KafkaConfig config) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        try {
            Files.createDirectories(logDir);
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(logDir.toAbsolutePath().toString()))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the KRaft log dir " + logDir, e);
        }
    }

    private void awaitServing() {
        long deadline = System.nanoTime() + options.startTimeout.toNanos();
        try (Admin admin = Admin.create(adminConfig())) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("embedded Kafka on " + bootstrapServers()
                                + " did not serve metadata within " + options.startTimeout, e);
                    }
                }
                FreePorts.pause(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for embedded Kafka", e);
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /** Options for {@link EmbeddedKafka}; every setter returns this builder. */
    public static final class Builder {
        private int brokerPort;
        private int controllerPort;
        private Path logDir;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration consumerHeartbeat = TEST_CONSUMER_HEARTBEAT;
        private boolean guardExit = true;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> extraListeners = new LinkedHashMap<>();

        private Builder() {}

        /** The PLAINTEXT port; 0 (the default) picks a free one at the first start. */
        public Builder brokerPort(int port) {
            this.brokerPort = checkPort(port, "brokerPort");
            return this;
        }

        /** The CONTROLLER port; 0 (the default) picks a free one at the first start. */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port, "controllerPort");
            return this;
        }

        /** A log dir that outlives this broker (formatted on first use); default: a fresh temp dir deleted at close. */
        public Builder logDir(Path logDir) {
            this.logDir = Objects.requireNonNull(logDir, "logDir");
            return this;
        }

        /** A fresh temp log dir, deleted by {@link EmbeddedKafka#close()} (the default). */
        public Builder freshLogDir() {
            this.logDir = null;
            return this;
        }

        /** Any broker property; applied last, so it overrides the defaults (e.g. {@code sasl.enabled.mechanisms}). */
        public Builder brokerProperty(String key, String value) {
            properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder brokerProperties(Map<String, String> props) {
            props.forEach(this::brokerProperty);
            return this;
        }

        /**
         * An extra broker listener on its own free port, e.g. {@code listener("SASL", "SASL_PLAINTEXT")};
         * its address is {@link EmbeddedKafka#bootstrapServers(String)}. Configure the mechanism with
         * {@link #brokerProperty}, e.g. {@code listener.name.sasl.plain.sasl.jaas.config}.
         */
        public Builder listener(String name, String securityProtocol) {
            if (name.equals(BROKER_LISTENER) || name.equals(CONTROLLER_LISTENER)) {
                throw new IllegalArgumentException("listener name " + name + " is taken; choose another name");
            }
            extraListeners.put(name, securityProtocol);
            return this;
        }

        /**
         * The KIP-848 heartbeat interval the broker gives consumers ({@code group.consumer.heartbeat.interval.ms}):
         * how often each consumer's background thread talks to the group coordinator while nothing changes,
         * and so how soon it learns of a rebalance. Default {@link #TEST_CONSUMER_HEARTBEAT} (1 s), so that
         * tests rebalance quickly; {@link #KAFKA_DEFAULT_CONSUMER_HEARTBEAT} (5 s) is what a broker runs with
         * unless configured otherwise, e.g. for measuring what an idle consumer costs in production
         * ({@code sluice local --consumer-heartbeat 5s}, bench/scripts/waiting_cpu.sh). 500 ms to 15 s (the
         * broker's {@code group.consumer.min.heartbeat.interval.ms} here and its default maximum).
         */
        public Builder consumerHeartbeat(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 500 || interval.compareTo(Duration.ofSeconds(15)) > 0) {
                throw new IllegalArgumentException("consumerHeartbeat must be 500ms..15s (the broker's min and max"
                        + " group.consumer heartbeat intervals), was " + interval.toMillis() + "ms");
            }
            this.consumerHeartbeat = interval;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Whether Kafka's {@code Exit.exit/halt} throw instead of ending the JVM (default true). */
        public Builder guardExit(boolean guardExit) {
            this.guardExit = guardExit;
            return this;
        }

        public EmbeddedKafka build() {
            Builder copy = new Builder();
            copy.brokerPort = brokerPort;
            copy.controllerPort = controllerPort;
            copy.logDir = logDir;
            copy.startTimeout = startTimeout;
            copy.consumerHeartbeat = consumerHeartbeat;
            copy.guardExit = guardExit;
            copy.properties.putAll(properties);
            copy.extraListeners.putAll(extraListeners);
            return new EmbeddedKafka(copy);
        }

        boolean fixedPort(String listener) {
            return switch (listener) {
                case BROKER_LISTENER -> brokerPort != 0;
                case CONTROLLER_LISTENER -> controllerPort != 0;
                default -> false;
            };
        }

        private static int checkPort(int port, String name) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(name + " " + port + " is out of range; valid: 0 (free port) or 1..65535");
            }
            return port;
        }
    }
}
