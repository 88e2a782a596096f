package io.sluice.orchestrator;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The orchestrator's Kafka client properties: our defaults, then {@code kafka.common} and
 * {@code kafka.producer} passed through, then the settings correctness depends on.
 *
 * <p>Timeouts default to {@value #DEFAULT_TIMEOUT_MS} ms in total (the clients' own defaults
 * would let an unreachable broker block a send for 2 minutes): {@code max.block.ms} and
 * {@code delivery.timeout.ms} for the producer, {@code default.api.timeout.ms} for the admin
 * client that creates topics. Any of them can be set through the passthrough sections.
 */
public final class KafkaSettings {
    public static final int DEFAULT_TIMEOUT_MS = 30_000;
    private static final int DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
    private final SluiceConfig.Kafka kafka;

    public KafkaSettings(SluiceConfig.Kafka kafka) {
        this.kafka = kafka;
    }

    public SluiceConfig.Kafka config() {
        return kafka;
    }

    public Map<String, Object> producer(String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(DEFAULT_TIMEOUT_MS));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(DEFAULT_REQUEST_TIMEOUT_MS));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(DEFAULT_TIMEOUT_MS));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.putAll(kafka.common());
        p.putAll(kafka.producer());
        // A request timeout longer than the delivery timeout is a client config error; keep a
        // user's shorter delivery timeout working without making them set both.
        long delivery = millis(p, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "kafka.producer");
        long linger = millis(p, ProducerConfig.LINGER_MS_CONFIG, "kafka.producer");
        if (!userSet(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)
                && millis(p, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "kafka.producer") + linger > delivery) {
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, delivery - linger)));
        }
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    public Map<String, Object> admin(String clientId) {
        Map<String, Object> a = new HashMap<>();
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        a.putAll(kafka.common());
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        long api = adminTimeout().toMillis();
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(api));
        if (!userSet(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG)) {
            a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(DEFAULT_REQUEST_TIMEOUT_MS, api)));
        }
        return a;
    }

    /** {@code default.api.timeout.ms} from {@code kafka.common}, else 30 s. */
    public Duration adminTimeout() {
        Map<String, Object> c = new HashMap<>(kafka.common());
        c.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, DEFAULT_TIMEOUT_MS);
        return Duration.ofMillis(millis(c, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "kafka.common"));
    }

    private boolean userSet(String key) {
        return kafka.common().containsKey(key) || kafka.producer().containsKey(key);
    }

    private static long millis(Map<String, Object> props, String key, String section) {
        String v = String.valueOf(props.get(key)).trim();
        try {
            long ms = Long.parseLong(v);
            if (ms < 0) {
                throw new NumberFormatException();
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new ConfigException(section + "." + key, section + "." + key + ": '" + v
                    + "' is not a number of milliseconds; valid: a whole number >= 0, e.g. 30000");
        }
    }
}
