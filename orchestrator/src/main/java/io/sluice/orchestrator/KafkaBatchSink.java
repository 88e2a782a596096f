package io.sluice.orchestrator;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.kafka.TopicReader;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.PoisonRecordException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes batches to the batches topic with an idempotent producer ({@code acks=all}), one at
 * a time, each acknowledged before {@link #send} returns. {@link #open} creates the three topics
 * when missing: partitions and replication factor from config, the results topic compacted.
 */
public final class KafkaBatchSink implements BatchSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchSink.class);
    private final KafkaSettings settings;
    private final String clientId;
    private Producer<String, byte[]> producer;

    public KafkaBatchSink(SluiceConfig.Kafka kafka, String runId) {
        this.settings = new KafkaSettings(kafka);
        this.clientId = "sluice-orchestrator-" + runId;
    }

    @Override
    public void open() {
        Map<String, Object> props = settings.producer(clientId);
        createTopics();
        try {
            producer = new KafkaProducer<>(props);
        } catch (KafkaException e) {
            Throwable c = e.getCause() instanceof org.apache.kafka.common.config.ConfigException ? e.getCause() : e;
            if (c instanceof org.apache.kafka.common.config.ConfigException) {
                throw new ConfigException("kafka.producer", "kafka.common/kafka.producer: " + c.getMessage());
            }
            throw e;
        }
    }

    void createTopics() {
        SluiceConfig.Topics t = settings.config().topics();
        List<NewTopic> topics = List.of(
                new NewTopic(t.batches(), t.partitions(), t.replicationFactor()),
                new NewTopic(t.results(), t.partitions(), t.replicationFactor())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(t.deadLetter(), t.partitions(), t.replicationFactor()));
        Duration timeout = settings.adminTimeout();
        Admin admin = Admin.create(settings.admin(clientId + "-admin"));
        try {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(topics,
                    new CreateTopicsOptions().timeoutMs((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))).values();
            for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
                try {
                    e.getValue().get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                    LOG.info("created topic {}", e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw unavailable("could not create topic " + e.getKey(), ex.getCause());
                    }
                } catch (TimeoutException ex) {
                    throw unavailable("could not create topic " + e.getKey(), ex);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while creating topics", e);
        } finally {
            // close() without a timeout waits for every pending call, forever against a silent broker
            admin.close(timeout);
        }
    }

    @Override
    public void send(Batch batch) {
        String topic = settings.config().topics().batches();
        try {
            producer.send(new ProducerRecord<>(topic, batch.key(), MessageCodec.encode(batch))).get();
        } catch (ExecutionException e) {
            throw unavailable("batch " + batch.key() + " was not acknowledged by topic " + topic, e.getCause());
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw unavailable("batch " + batch.key() + " could not be sent to topic " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while sending batch " + batch.key(), e);
        }
    }

    /**
     * Reads the batches topic from {@code since} (by record timestamp, each partition) to its end and
     * keeps the records keyed {@code runId:seq}. Batches are sent one at a time, each acknowledged
     * before the next, so every seq below the highest found is in the topic too (perhaps before
     * {@code since}). A record that cannot be decoded maps to null. Bounded by the admin timeout ({@code kafka.common} {@code default.api.timeout.ms}).
     */
    @Override
    public SortedMap<Long, Batch> published(String runId, Instant since) {
        String topic = settings.config().topics().batches();
        byte[] prefix = (runId + ":").getBytes(StandardCharsets.UTF_8);
        SortedMap<Long, Batch> found = new TreeMap<>();
        try {
            new TopicReader(settings.config()).read(topic, since, settings.adminTimeout(), clientId + "-tail", r -> {
                byte[] key = r.key();
                if (key != null && key.length > prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
                    long seq = Long.parseLong(new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8));
                    try {
                        found.put(seq, MessageCodec.decodeBatch(r.value()));
                    } catch (PoisonRecordException e) {
                        LOG.warn("run {}: the record keyed {}:{} on topic {} cannot be read ({}); counted as published", runId, runId, seq,
                                topic, e.getMessage());
                        found.putIfAbsent(seq, null);
                    }
                }
            });
        } catch (KafkaException | IllegalStateException | NumberFormatException e) {
            throw unavailable("could not read what topic " + topic + " holds of run " + runId, e);
        }
        return found;
    }

    private KafkaUnavailableException unavailable(String what, Throwable cause) {
        String reason = cause == null ? "" : ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        return new KafkaUnavailableException("Kafka at " + settings.config().bootstrapServers() + ": " + what + reason
                + " (timeouts: kafka.producer max.block.ms / delivery.timeout.ms, kafka.common default.api.timeout.ms)", cause);
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
