package io.sluice.embedded;

import static io.sluice.embedded.EmbeddedKafka.BROKER_LISTENER;
import static io.sluice.embedded.EmbeddedKafka.CONTROLLER_LISTENER;
import static io.sluice.embedded.EmbeddedKafka.HOST;
import static io.sluice.embedded.EmbeddedKafka.NODE_ID;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/** The single KRaft node's settings: broker and controller in one process, replication 1, test-speed rebalances. */
final class KafkaNodeProperties {
    private KafkaNodeProperties() {
    }

    static Properties of(Map<String, Integer> listenerPorts, int controllerPort, Map<String, String> extraListeners,
                         Path logDir, Duration consumerHeartbeat, Map<String, String> overrides) {
        String controller = CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort;
        Map<String, String> protocols = new LinkedHashMap<>();
        protocols.put(BROKER_LISTENER, "PLAINTEXT");
        protocols.put(CONTROLLER_LISTENER, "PLAINTEXT");
        protocols.putAll(extraListeners);
        String brokerListeners = listenerPorts.entrySet().stream()
                .filter(e -> !e.getKey().equals(CONTROLLER_LISTENER))
                .map(e -> e.getKey() + "://" + HOST + ":" + e.getValue())
                .collect(Collectors.joining(","));

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", brokerListeners + "," + controller);
        p.put("advertised.listeners", brokerListeners);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", protocols.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(",")));
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Faster KIP-848 rebalances in tests (EmbeddedKafka.Builder#consumerHeartbeat); the session timeout stays at its default unless overridden.
        p.put("group.consumer.min.heartbeat.interval.ms", "500");
        p.put("group.consumer.heartbeat.interval.ms", Long.toString(consumerHeartbeat.toMillis()));
        p.put("group.consumer.min.session.timeout.ms", "6000");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        p.putAll(overrides);
        return p;
    }
}
