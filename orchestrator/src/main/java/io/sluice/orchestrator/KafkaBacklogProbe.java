package io.sluice.orchestrator;

import io.sluice.config.SluiceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The backlog as the worker group's lag on the batches topic, in orgs: for every partition, the end
 * offset minus the group's committed offset (or the earliest offset when the group committed
 * none), times {@code orchestrator.batch-size}. It counts every unfinished batch in the topic,
 * this run's and any other's, and a batch only leaves it when all of its orgs are finished, so it
 * errs on the high side: the bound holds.
 */
public final class KafkaBacklogProbe implements Backlog.Probe {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBacklogProbe.class);
    private final Admin admin;
    private final String topic;
    private final String group;
    private final int batchSize;
    private final long timeoutMs;

    public KafkaBacklogProbe(SluiceConfig config, String clientId) {
        KafkaSettings settings = new KafkaSettings(config.kafka());
        this.admin = Admin.create(settings.admin(clientId));
        this.topic = config.kafka().topics().batches();
        this.group = config.kafka().consumer().getOrDefault("group.id", "sluice-workers");
        this.batchSize = config.orchestrator().batchSize();
        this.timeoutMs = Math.min(10_000, settings.adminTimeout().toMillis());
    }

    @Override
    public OptionalLong unfinishedOrgs() {
        try {
            var partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames()
                    .get(timeoutMs, TimeUnit.MILLISECONDS).get(topic).partitions();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            partitions.forEach(p -> {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
            });
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(latest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts =
                    admin.listOffsets(earliest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
            long lag = 0;
            for (TopicPartition tp : latest.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                long from = Math.max(starts.get(tp).offset(), c == null ? 0 : c.offset());
                lag += Math.max(0, ends.get(tp).offset() - from);
            }
            return OptionalLong.of(lag * batchSize);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            LOG.warn("cannot measure the backlog of group {} on {}: {}", group, topic, e.toString());
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
