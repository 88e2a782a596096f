package io.sluice.replay;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A consumer group's positions on one topic, read and moved through the Admin API, the way
 * {@code kafka-consumer-groups --reset-offsets} does it. Moving is refused while the group has
 * members: they would overwrite the new offsets with their next commit.
 */
public final class ConsumerGroupOffsets {
    private final Admin admin;
    private final KafkaCalls calls;

    private ConsumerGroupOffsets(Admin admin, KafkaCalls calls) {
        this.admin = admin;
        this.calls = calls;
    }

    /** Over {@code admin} (closed by the caller); every call fails after {@code timeout}, naming {@code bootstrap}. */
    public static ConsumerGroupOffsets using(Admin admin, String bootstrap, java.time.Duration timeout) {
        return new ConsumerGroupOffsets(admin, new KafkaCalls(bootstrap, timeout));
    }

    KafkaCalls calls() {
        return calls;
    }

    /** Throws when {@code group} has members; an empty, dead or unknown group passes. */
    public void requireNoActiveMembers(String group, String howToStop) {
        ConsumerGroupDescription d;
        try {
            d = calls.await("describing group " + group, admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
        } catch (ReplayException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return;
            }
            throw e;
        }
        int members = d.members().size();
        if (members > 0) {
            throw new ReplayException("group " + group + " has " + members + " active member" + (members == 1 ? "" : "s")
                    + "; stop them first (" + howToStop + ")");
        }
    }

    public List<TopicPartition> partitions(String topic) {
        TopicDescription d;
        try {
            d = calls.await("describing topic " + topic, admin.describeTopics(List.of(topic)).topicNameValues().get(topic));
        } catch (ReplayException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new ReplayException("topic " + topic + " does not exist (check kafka.topics.* or --topic)");
            }
            throw e;
        }
        return d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Committed offsets of {@code group} on these partitions; a partition without one is absent. */
    public Map<TopicPartition, Long> committed(String group, List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> all = calls.await("reading offsets of group " + group,
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata om = all.get(tp);
            if (om != null) {
                out.put(tp, om.offset());
            }
        }
        return out;
    }

    public Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, Function<TopicPartition, OffsetSpec> spec) {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(tp -> tp, spec));
        Map<TopicPartition, ListOffsetsResultInfo> infos = calls.await("listing offsets", admin.listOffsets(request).all());
        Map<TopicPartition, Long> out = new HashMap<>();
        infos.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    public OffsetResetPlan plan(String group, String topic, ResetTarget target) {
        return plan(group, topic, java.util.Set.of(), target);
    }

    /** As {@link #plan(String, String, ResetTarget)}, on {@code only} these partitions when not empty. */
    public OffsetResetPlan plan(String group, String topic, java.util.Set<Integer> only, ResetTarget target) {
        List<TopicPartition> all = partitions(topic);
        java.util.Set<Integer> wanted = target instanceof ResetTarget.PerPartition pp && only.isEmpty() ? pp.offsets().keySet() : only;
        List<Integer> unknown = wanted.stream().filter(p -> all.stream().noneMatch(tp -> tp.partition() == p)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new ReplayException("topic " + topic + " has no partition " + unknown + "; valid: 0.." + (all.size() - 1));
        }
        List<TopicPartition> partitions = wanted.isEmpty() ? all : all.stream().filter(tp -> wanted.contains(tp.partition())).toList();
        Map<TopicPartition, Long> committed = committed(group, partitions);
        Map<TopicPartition, Long> earliest = offsets(partitions, tp -> OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(partitions, tp -> OffsetSpec.latest());
        Map<TopicPartition, Long> atTime = target instanceof ResetTarget.AtTime t
                ? offsets(partitions, tp -> OffsetSpec.forTimestamp(t.time().toEpochMilli()))
                : Map.of();
        List<OffsetResetPlan.Row> rows = new ArrayList<>();
        for (TopicPartition tp : partitions.stream().sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList()) {
            long lo = earliest.get(tp);
            long hi = end.get(tp);
            long to;
            String note = "";
            switch (target) {
                case ResetTarget.Earliest e -> to = lo;
                case ResetTarget.AtTime t -> {
                    long found = atTime.get(tp);
                    // No record at or after the time: nothing to replay there, the group goes to the end.
                    to = found < 0 ? hi : found;
                    if (found < 0) {
                        note = "no record at or after the time: end";
                    }
                }
                case ResetTarget.Offset o -> {
                    to = Math.max(lo, Math.min(hi, o.offset()));
                    if (to != o.offset()) {
                        note = "offset " + o.offset() + " clamped to [" + lo + ", " + hi + "]";
                    }
                }
                case ResetTarget.Latest l -> to = hi;
                case ResetTarget.ShiftBy s -> {
                    Long c = committed.get(tp);
                    long from = Math.max(lo, Math.min(hi, c == null ? lo : c));
                    long asked = from + s.by();
                    to = Math.max(lo, Math.min(hi, asked));
                    if (to != asked) {
                        note = "shift to " + asked + " clamped to [" + lo + ", " + hi + "]";
                    }
                }
                case ResetTarget.PerPartition pp -> {
                    Long asked = pp.offsets().get(tp.partition());
                    Long c = committed.get(tp);
                    long wantedOffset = asked != null ? asked : (c == null ? lo : c);
                    to = Math.max(lo, Math.min(hi, wantedOffset));
                    if (asked == null) {
                        note = "not in the file: unchanged";
                    } else if (to != asked) {
                        note = "offset " + asked + " clamped to [" + lo + ", " + hi + "]";
                    }
                }
            }
            Long c = committed.get(tp);
            rows.add(new OffsetResetPlan.Row(tp.partition(), c == null ? OptionalLong.empty() : OptionalLong.of(c), lo, hi, to, note));
        }
        return new OffsetResetPlan(group, topic, target, rows);
    }

    /** Commits the plan's targets for the group; the broker itself refuses if members joined meanwhile. */
    public void apply(OffsetResetPlan plan) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (OffsetResetPlan.Row r : plan.rows()) {
            offsets.put(new TopicPartition(plan.topic(), r.partition()), new OffsetAndMetadata(r.target()));
        }
        commit(plan.group(), offsets);
    }

    public void commit(String group, Map<TopicPartition, OffsetAndMetadata> offsets) {
        calls.await("committing offsets of group " + group + " (is it still empty?)",
                admin.alterConsumerGroupOffsets(group, offsets).all());
    }
}
