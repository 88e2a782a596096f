package io.sluice.kafka;

import io.sluice.config.SluiceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads whole topics and a group's committed offsets, with no consumer group of its own: what
 * verifications (tests, chaos runs) need to see of the output topics.
 */
public final class TopicReader {
    private final SluiceConfig.Kafka kafka;

    public TopicReader(SluiceConfig.Kafka kafka) {
        this.kafka = kafka;
    }

    /** Every record of {@code topic} from the beginning to the end offsets taken at the start, in partition order. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(readerProps("sluice-reader"))) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets " + end + " within " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
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
