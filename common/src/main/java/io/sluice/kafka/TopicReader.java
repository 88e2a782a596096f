package io.sluice.kafka;

import io.sluice.config.SluiceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads topics (whole, or from a time) and a group's committed offsets, with no consumer group of
 * its own: what verifications (tests, chaos runs) need to see of the output topics, and what a
 * resumed run needs to see of the batches it already sent.
 */
public final class TopicReader {
    private final SluiceConfig.Kafka kafka;

    public TopicReader(SluiceConfig.Kafka kafka) {
        this.kafka = kafka;
    }

    /** Every record of {@code topic} from the beginning to the end offsets taken at the start, in partition order. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        read(topic, null, timeout, "sluice-reader", out::add);
        return out;
    }

    /**
     * Every record of {@code topic} written at or after {@code since} (by record timestamp, each
     * partition; null: from the beginning) up to the end offsets taken at the start, to {@code each}.
     * Throws {@link IllegalStateException} when that takes longer than {@code timeout}.
     */
    public void read(String topic, Instant since, Duration timeout, String clientId,
                     java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(readerProps(clientId))) {
            List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            c.assign(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            if (since == null) {
                c.seekToBeginning(parts);
            } else {
                Map<TopicPartition, Long> query = new HashMap<>();
                parts.forEach(tp -> query.put(tp, since.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> from = c.offsetsForTimes(query, timeout);
                parts.forEach(tp -> c.seek(tp, from.get(tp) == null ? end.get(tp) : from.get(tp).offset()));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets " + end + " within " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    /** Consumer settings from the config, minus everything that would make it join a group. */
    public Map<String, Object> readerProps(String clientId) {
        Map<String, Object> p = KafkaClients.consumerProps(kafka, clientId);
        p.remove("group.id");
        p.remove("group.protocol");
        p.remove("group.instance.id");
        p.put("isolation.level", "read_committed");   // what a downstream reader sees: nothing from aborted transactions
        return p;
    }

    /** Per partition of the batch topic: "committed/end"; a partition is done when they are equal (or empty). */
    public Map<Integer, long[]> committedVsEnd(String group) throws Exception {
        String topic = kafka.topics().batches();
        try (Admin admin = KafkaClients.admin(kafka)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> specs = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
            for (int p = 0; p < kafka.topics().partitions(); p++) {
                specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<Integer, long[]> out = new TreeMap<>();
            admin.listOffsets(specs).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> {
                OffsetAndMetadata c = committed.get(tp);
                out.put(tp.partition(), new long[] {c == null ? 0 : c.offset(), info.offset()});
            });
            return out;
        }
    }

    public static boolean allCommitted(Map<Integer, long[]> committedVsEnd) {
        return committedVsEnd.values().stream().allMatch(ce -> ce[0] == ce[1]);
    }
}
