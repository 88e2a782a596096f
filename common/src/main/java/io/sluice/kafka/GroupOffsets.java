package io.sluice.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A consumer group's position on a topic, read from the brokers through the Admin API. */
public final class GroupOffsets {
    private GroupOffsets() {
    }

    /**
     * Records of {@code topic} the group has not committed past: per partition, the end offset minus
     * the group's committed offset (the earliest offset still in the log where it committed none, or
     * where its commit fell out of retention), summed. Each Admin call waits at most {@code timeout}.
     */
    public static long lag(Admin admin, String group, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long ms = timeout.toMillis();
        var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(ms, TimeUnit.MILLISECONDS).get(topic).partitions();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.forEach(p -> {
            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
        });
        var ends = admin.listOffsets(latest).all().get(ms, TimeUnit.MILLISECONDS);
        var starts = admin.listOffsets(earliest).all().get(ms, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(ms, TimeUnit.MILLISECONDS);
        long total = 0;
        for (TopicPartition tp : latest.keySet()) {
            OffsetAndMetadata c = committed.get(tp);
            long from = Math.max(starts.get(tp).offset(), c == null ? 0 : c.offset());
            total += Math.max(0, ends.get(tp).offset() - from);
        }
        return total;
    }
}
