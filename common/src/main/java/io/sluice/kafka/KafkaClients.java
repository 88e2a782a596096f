package io.sluice.kafka;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Builds Kafka clients from the config: {@code kafka.common} then the side's own section are passed
 * through unchanged; only what Sluice's guarantees depend on is forced (byte[] serdes, manual commits,
 * idempotent acks=all producers).
 */
public final class KafkaClients {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaClients.class);
    private static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private KafkaClients() {
    }

    public static Map<String, Object> common(SluiceConfig.Kafka kafka) {
        Map<String, Object> p = new HashMap<>(kafka.common());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    public static Map<String, Object> consumerProps(SluiceConfig.Kafka kafka, String clientId) {
        Map<String, Object> p = common(kafka);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");   // KIP-848 by default; config may say "classic"
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        // Workers write results and dead letters in transactions: a reader that saw aborted records would
        // replay a fenced zombie's dead letters or count its results.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putAll(kafka.consumer());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    public static Map<String, Object> producerProps(SluiceConfig.Kafka kafka, String clientId) {
        Map<String, Object> p = common(kafka);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putAll(kafka.producer());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    /**
     * Checks every client setting the way the client constructors do, without creating a client or
     * opening a connection: a bad {@code kafka.common}/{@code producer}/{@code consumer} key is a config
     * error (exit 2) that a command can report before it connects to anything else (Redis, say).
     */
    public static void validate(SluiceConfig.Kafka kafka) {
        // Classic-only keys decide the protocol before any broker is asked (or are a config error under KIP-848).
        SluiceConfig.Kafka checked = GroupProtocol.fromConfig(kafka).map(c -> GroupProtocol.apply(kafka, c)).orElse(kafka);
        try {
            new ConsumerConfig(consumerProps(checked, "sluice-validate"));
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new ConfigException("kafka.consumer", "invalid Kafka consumer setting (kafka.common / kafka.consumer): " + e.getMessage());
        }
        try {
            new ProducerConfig(producerProps(kafka, "sluice-validate"));
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new ConfigException("kafka.producer", "invalid Kafka producer setting (kafka.common / kafka.producer): " + e.getMessage());
        }
        // The admin client's own rule, checked here so that every command refuses it alike, not only those that open an admin client.
        long api = startupTimeout(kafka).toMillis();
        String requestMs = kafka.common().getOrDefault(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        try {
            long request = Long.parseLong(requestMs.trim());
            if (kafka.common().containsKey(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG) && api < request) {
                throw new ConfigException("kafka.common." + CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG,
                        "kafka.common.default.api.timeout.ms (" + api + ") must be at least kafka.common.request.timeout.ms ("
                                + request + (kafka.common().containsKey(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG) ? "" : ", Kafka's default")
                                + "): set request.timeout.ms as low, for example --set kafka.common.request.timeout.ms=" + api);
            }
        } catch (NumberFormatException e) {
            // not a number: the consumer and producer checks above have already said so
        }
    }

    /**
     * How long start-up waits for the broker (topic check and creation): {@code default.api.timeout.ms}
     * from {@code kafka.common} when set, else 30 s. An unreachable broker fails start-up after this
     * long instead of hanging.
     */
    public static Duration startupTimeout(SluiceConfig.Kafka kafka) {
        String ms = kafka.common().get(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG);
        if (ms == null) {
            return DEFAULT_STARTUP_TIMEOUT;
        }
        try {
            long x = Long.parseLong(ms.trim());
            if (x > 0) {
                return Duration.ofMillis(x);
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new ConfigException("kafka.common." + CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG,
                "kafka.common." + CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG + ": '" + ms
                        + "' is not a positive number of milliseconds, e.g. 30000");
    }

    /** Kafka validates its settings in the constructor, before connecting: a bad one is a config error (exit 2). */
    public static KafkaConsumer<byte[], byte[]> consumer(SluiceConfig.Kafka kafka, String clientId) {
        try {
            return new KafkaConsumer<>(consumerProps(kafka, clientId));
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new ConfigException("kafka.consumer", "invalid Kafka consumer setting (kafka.common / kafka.consumer): " + e.getMessage());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ConfigException("kafka.consumer", "cannot create the Kafka consumer from kafka.common / kafka.consumer: " + rootMessage(e));
        }
    }

    public static KafkaProducer<byte[], byte[]> producer(SluiceConfig.Kafka kafka, String clientId) {
        return producer(producerProps(kafka, clientId));
    }

    /**
     * A transactional producer's settings: {@code transactional.id} as given and, unless kafka.producer
     * says otherwise, a 10 s {@code transaction.timeout.ms} (Kafka Streams' choice under exactly-once): a
     * killed worker's open transaction holds back {@code read_committed} readers of its partitions until
     * the broker aborts it after that long.
     */
    public static Map<String, Object> transactionalProducerProps(SluiceConfig.Kafka kafka, String clientId, String transactionalId) {
        Map<String, Object> p = producerProps(kafka, clientId);
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return p;
    }

    public static KafkaProducer<byte[], byte[]> producer(Map<String, Object> props) {
        try {
            return new KafkaProducer<>(props);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            throw new ConfigException("kafka.producer", "invalid Kafka producer setting (kafka.common / kafka.producer): " + e.getMessage());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ConfigException("kafka.producer", "cannot create the Kafka producer from kafka.common / kafka.producer: " + rootMessage(e));
        }
    }

    public static Admin admin(SluiceConfig.Kafka kafka) {
        try {
            Map<String, Object> p = common(kafka);
            // Its calls then give up when start-up stops waiting, so closing it does not wait out the 60 s default.
            p.putIfAbsent(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(startupTimeout(kafka).toMillis()));
            return Admin.create(p);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ConfigException("kafka.common", "cannot create the Kafka admin client from kafka.common: " + rootMessage(e));
        }
    }

    /**
     * Creates the batches, results (compacted) and dead-letter topics when missing, with
     * {@code kafka.topics.partitions} and {@code replication-factor}. Existing topics are left as they are.
     */
    public static void ensureTopics(Admin admin, SluiceConfig.Kafka kafka, Duration timeout) {
        ensureTopics(admin, kafka, timeout, List.of());
    }

    /** As above, and also {@code resultsTopics} (each job's own results topic), compacted as kafka.topics.results is. */
    public static void ensureTopics(Admin admin, SluiceConfig.Kafka kafka, Duration timeout, java.util.Collection<String> resultsTopics) {
        SluiceConfig.Topics t = kafka.topics();
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(t.batches(), t.partitions(), t.replicationFactor()));
        java.util.Set<String> results = new java.util.LinkedHashSet<>();
        results.add(t.results());
        results.addAll(resultsTopics);
        for (String topic : results) {
            wanted.add(new NewTopic(topic, t.partitions(), t.replicationFactor())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        wanted.add(new NewTopic(t.deadLetter(), t.partitions(), t.replicationFactor()));
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = wanted.stream().filter(n -> !existing.contains(n.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created topic {}", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw notAnswering(kafka, timeout, e);   // the admin client's own deadline came first
            }
            throw new IllegalStateException("cannot create topics on " + kafka.bootstrapServers() + ": " + rootMessage(e), e);
        } catch (TimeoutException e) {
            throw notAnswering(kafka, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    private static IllegalStateException notAnswering(SluiceConfig.Kafka kafka, Duration timeout, Exception e) {
        return new IllegalStateException("Kafka at " + kafka.bootstrapServers() + " did not answer within "
                + timeout.toMillis() + " ms (kafka.bootstrap-servers; is the broker up? the wait is kafka.common."
                + CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG + ")", e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
