package io.sluice.kafka;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Chooses the worker group's rebalance protocol at start (DESIGN 11): KIP-848 ({@code consumer}) when
 * the brokers support it, else {@code classic} with cooperative-sticky assignment, and says why.
 * Brokers support it when the {@code group.version} feature is finalized at 1 or more and their
 * {@code group.coordinator.rebalance.protocols} (when readable) lists {@code consumer}. A
 * {@code group.protocol} set in {@code kafka.consumer} is kept as given; classic-only tuning keys
 * without one mean classic, since that is the protocol they tune.
 */
public final class GroupProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(GroupProtocol.class);
    /** Classic-protocol consumer keys, and what governs the same thing under KIP-848. */
    static final Map<String, String> CLASSIC_ONLY = Map.of(
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "the broker's group.consumer.session.timeout.ms",
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "the broker's group.consumer.heartbeat.interval.ms",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, "the broker's group.consumer.assignors (or kafka.consumer.group.remote.assignor)");

    /** The protocol and the reason, for the start-up log line. */
    public record Choice(String protocol, String reason) {
        @Override
        public String toString() {
            return "group.protocol=" + protocol + " (" + reason + ")";
        }
    }

    private GroupProtocol() {
    }

    /**
     * What the config alone decides, without a broker: an explicit {@code group.protocol}, or classic for
     * classic-only keys. Empty: ask the brokers. An explicit {@code consumer} with classic-only keys is a
     * config error naming each key and its KIP-848 counterpart.
     */
    public static java.util.Optional<Choice> fromConfig(SluiceConfig.Kafka kafka) {
        Map<String, String> c = kafka.consumer();
        List<String> classicKeys = CLASSIC_ONLY.keySet().stream().filter(c::containsKey).sorted().toList();
        String explicit = c.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        if (explicit != null) {
            String p = explicit.trim().toLowerCase(Locale.ROOT);
            if (p.equals("consumer") && !classicKeys.isEmpty()) {
                throw new ConfigException("kafka.consumer." + classicKeys.get(0), "kafka.consumer." + String.join(", kafka.consumer.", classicKeys)
                        + " only work with group.protocol=classic, but kafka.consumer.group.protocol is consumer (KIP-848); under it "
                        + String.join("; ", classicKeys.stream().map(k -> k + " is " + CLASSIC_ONLY.get(k)).toList())
                        + ". Remove them, or set group.protocol: classic");
            }
            return java.util.Optional.of(new Choice(p, "kafka.consumer.group.protocol is set"));
        }
        if (!classicKeys.isEmpty()) {
            return java.util.Optional.of(new Choice("classic", "kafka.consumer sets " + String.join(", ", classicKeys)
                    + ", which only the classic protocol reads"));
        }
        return java.util.Optional.empty();
    }

    /** Asks the brokers (bounded by {@code timeout}); any doubt that is not an authorization refusal means classic. */
    public static Choice detect(Admin admin, Duration timeout) {
        long ms = timeout.toMillis();
        short level;
        try {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get(ms, TimeUnit.MILLISECONDS);
            FinalizedVersionRange groupVersion = features.finalizedFeatures().get("group.version");
            level = groupVersion == null ? 0 : groupVersion.maxVersionLevel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Choice("classic", "interrupted while asking the brokers for their features");
        } catch (Exception e) {
            return new Choice("classic", "the brokers did not describe their features (" + rootMessage(e) + "); Kafka before 4.0 has no KIP-848");
        }
        if (level < 1) {
            return new Choice("classic", "the brokers' group.version feature is " + level + "; KIP-848 needs 1 (Kafka 4.0+)");
        }
        try {
            String node = admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS).iterator().next().idString();
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
            Config config = admin.describeConfigs(List.of(broker)).all().get(ms, TimeUnit.MILLISECONDS).get(broker);
            ConfigEntry protocols = config.get("group.coordinator.rebalance.protocols");
            if (protocols != null && protocols.value() != null
                    && !List.of(protocols.value().toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("consumer")) {
                return new Choice("classic", "broker " + node + " has group.coordinator.rebalance.protocols=" + protocols.value());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Often an ACL refusal (DESCRIBE_CONFIGS on the cluster): group.version is the evidence we have.
            return new Choice("consumer", "group.version " + level + " (broker configs unreadable: " + rootMessage(e) + ")");
        }
        return new Choice("consumer", "the brokers support KIP-848 (group.version " + level + ")");
    }

    /** {@code kafka} with the chosen protocol written into {@code kafka.consumer}, plus cooperative-sticky for classic. */
    public static SluiceConfig.Kafka apply(SluiceConfig.Kafka kafka, Choice choice) {
        Map<String, String> consumer = new HashMap<>(kafka.consumer());
        consumer.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, choice.protocol());
        if (choice.protocol().equals("classic")) {
            consumer.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return new SluiceConfig.Kafka(kafka.bootstrapServers(), kafka.topics(), kafka.common(), kafka.producer(), consumer);
    }

    /** The whole start-up decision, logged once: config first, then the brokers. */
    public static SluiceConfig.Kafka choose(SluiceConfig.Kafka kafka, Admin admin, Duration timeout) {
        Choice choice = fromConfig(kafka).orElseGet(() -> detect(admin, timeout));
        SluiceConfig.Kafka chosen = apply(kafka, choice);
        LOG.info("consumer group {}: {}, partition.assignment.strategy={}", kafka.consumer().getOrDefault("group.id", "sluice-workers"),
                choice, chosen.consumer().getOrDefault(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, "(broker-side assignor)"));
        return chosen;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
