package io.sluice.replay;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.kafka.KafkaClients;
import io.sluice.messages.Batch;
import io.sluice.messages.DeadLetterHeaders;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.PoisonRecordException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.clients.admin.OffsetSpec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends dead-lettered batches back to the batches topic, once each. The dead-letter topic is read
 * from the replay group's committed position to the end offsets seen at the start; every record
 * is re-published with its key and value unchanged (so it lands on the partition it came from)
 * and a {@value #REPLAYED_FROM} header; only after every send is acknowledged does the group's
 * position move to those end offsets. A crash in between re-publishes again on the next run
 * (at least once), never skips. Poison records are skipped unless asked for: they would only be
 * dead-lettered again.
 */
public final class DeadLetterReplay {
    public static final String REPLAYED_FROM = "sluice.replayed-from";
    public static final String DEFAULT_GROUP = "sluice-dlt-replay";
    private static final String NO_REASON = "(no reason header)";

    private final SluiceConfig.Kafka kafka;
    private final ConsumerGroupOffsets groups;
    private final KafkaCalls calls;
    private final String group;
    private final boolean includePoison;
    private final String slotClass;

    public DeadLetterReplay(SluiceConfig.Kafka kafka, ConsumerGroupOffsets groups, String group, boolean includePoison) {
        this(kafka, groups, group, includePoison, null);
    }

    /**
     * {@code slotClass}: the slot class every re-published batch names instead of the one its dead letter carries
     * (null: each keeps its own, or none).
     */
    public DeadLetterReplay(SluiceConfig.Kafka kafka, ConsumerGroupOffsets groups, String group, boolean includePoison,
                            String slotClass) {
        this.slotClass = slotClass;
        this.kafka = kafka;
        this.groups = groups;
        this.calls = groups.calls();
        this.group = group;
        this.includePoison = includePoison;
    }

    /** A dead letter left where it is. */
    public record Skipped(int partition, long offset, String key, String error) {
    }

    public record Report(String deadLetterTopic, String batchesTopic, String group, boolean executed,
                         Map<String, Long> republishedByReason, List<Skipped> skippedPoison) {
        private static final int MAX_LISTED = 50;

        public long republished() {
            return republishedByReason.values().stream().mapToLong(Long::longValue).sum();
        }

        public void print(java.io.PrintWriter out) {
            out.printf("dead letters on %s -> %s (position kept by group %s)%n", deadLetterTopic, batchesTopic, group);
            StringBuilder reasons = new StringBuilder();
            republishedByReason.forEach((reason, n) -> reasons.append(reasons.isEmpty() ? ": " : ", ").append(reason).append(' ').append(n));
            out.printf("%s %d batch%s%s%n", executed ? "re-published" : "would re-publish", republished(),
                    republished() == 1 ? "" : "es", reasons);
            if (!skippedPoison.isEmpty()) {
                out.printf("%s %d poison record%s (they would be dead-lettered again; --include-poison sends them too):%n",
                        executed ? "skipped" : "would skip", skippedPoison.size(), skippedPoison.size() == 1 ? "" : "s");
                skippedPoison.stream().limit(MAX_LISTED).forEach(s -> out.printf("  %s/%d/%d key=%s error=%s%n",
                        deadLetterTopic, s.partition(), s.offset(), s.key(), s.error()));
                if (skippedPoison.size() > MAX_LISTED) {
                    out.printf("  ... and %d more%n", skippedPoison.size() - MAX_LISTED);
                }
            }
            if (executed) {
                out.printf("committed group %s at the end of %s: a new run starts after these records%n", group, deadLetterTopic);
            } else {
                out.println("dry run: nothing published, nothing committed; add --execute to re-publish");
            }
        }
    }

    public Report run(boolean execute) {
        String dlt = kafka.topics().deadLetter();
        String batches = kafka.topics().batches();
        groups.requireNoActiveMembers(group, "another replay --from-dead-letter may be running with --dlt-group " + group);
        List<TopicPartition> partitions = groups.partitions(dlt);
        Map<TopicPartition, Long> committed = groups.committed(group, partitions);
        Map<TopicPartition, Long> earliest = groups.offsets(partitions, tp -> OffsetSpec.earliest());
        Map<TopicPartition, Long> end = groups.offsets(partitions, tp -> OffsetSpec.latest());
        Map<TopicPartition, Long> start = new HashMap<>();
        for (TopicPartition tp : partitions) {
            start.put(tp, Math.max(earliest.get(tp), committed.getOrDefault(tp, 0L)));
        }

        Map<String, Long> byReason = new java.util.TreeMap<>();
        List<Skipped> skipped = new ArrayList<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = reader();
             KafkaProducer<byte[], byte[]> producer = execute ? KafkaClients.producer(kafka, "sluice-dlt-replay") : null) {
            List<TopicPartition> pending = new ArrayList<>(partitions.stream().filter(tp -> start.get(tp) < end.get(tp)).toList());
            consumer.assign(pending);
            pending.forEach(tp -> consumer.seek(tp, start.get(tp)));
            long stallDeadline = System.nanoTime() + calls.timeout().toNanos();
            while (!pending.isEmpty()) {
                boolean progressed = false;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    progressed = true;
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) {
                        continue;   // arrived after this run started: the next run takes it
                    }
                    String reason = header(r, DeadLetterHeaders.REASON, NO_REASON);
                    if (DeadLetterHeaders.Reason.POISON.wire().equals(reason) && !includePoison) {
                        skipped.add(new Skipped(r.partition(), r.offset(), r.key() == null ? null : utf8(r.key()),
                                header(r, DeadLetterHeaders.ERROR, "")));
                        continue;
                    }
                    byReason.merge(reason, 1L, Long::sum);
                    if (producer != null) {
                        sends.add(producer.send(new ProducerRecord<>(batches, null, r.key(), withClass(r.value()), replayHeaders(r))));
                    }
                }
                pending.removeIf(tp -> consumer.position(tp) >= end.get(tp));
                if (progressed) {
                    stallDeadline = System.nanoTime() + calls.timeout().toNanos();
                } else if (System.nanoTime() > stallDeadline) {
                    throw new ReplayException("reading " + dlt + " made no progress for " + calls.timeout()
                            + " (still behind on " + pending + "); nothing was committed");
                }
            }
            if (producer != null) {
                producer.flush();
                awaitAcks(sends, batches);
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                partitions.forEach(tp -> done.put(tp, new OffsetAndMetadata(Math.max(start.get(tp), end.get(tp)))));
                groups.commit(group, done);
            }
        }
        return new Report(dlt, batches, group, execute, byReason, skipped);
    }

    private void awaitAcks(List<Future<RecordMetadata>> sends, String batches) {
        for (Future<RecordMetadata> f : sends) {
            try {
                f.get(calls.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new ReplayException("re-publishing to " + batches + " failed (" + KafkaCalls.rootMessage(e)
                        + "); the dead-letter position was not moved, so a new run sends everything again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ReplayException("interrupted while waiting for acks; the dead-letter position was not moved", e);
            }
        }
    }

    /**
     * The dead letter's batch as it was (its class kept), or with {@code --class}'s class instead. A value that is
     * not a batch (poison, with --include-poison) goes as it was.
     */
    private byte[] withClass(byte[] value) {
        if (slotClass == null) {
            return value;
        }
        try {
            Batch b = MessageCodec.decodeBatch(value);
            return MessageCodec.encode(new Batch(b.v(), b.job(), b.runId(), b.seq(), b.orgIds(), b.window(), b.publishedAt(), slotClass));
        } catch (PoisonRecordException e) {
            return value;
        }
    }

    /** The record's own headers minus the dead-letter bookkeeping (a new dead-lettering writes fresh ones), plus where it came from. */
    private static RecordHeaders replayHeaders(ConsumerRecord<byte[], byte[]> r) {
        RecordHeaders h = new RecordHeaders();
        for (Header header : r.headers()) {
            if (!header.key().startsWith("sluice.dlt.") && !header.key().equals(REPLAYED_FROM)) {
                h.add(header);
            }
        }
        h.add(REPLAYED_FROM, (r.topic() + "/" + r.partition() + "/" + r.offset()).getBytes(StandardCharsets.UTF_8));
        return h;
    }

    /** A consumer outside any group: positions come from the replay group's offsets and are committed by the Admin API. */
    private KafkaConsumer<byte[], byte[]> reader() {
        Map<String, Object> props = KafkaClients.consumerProps(kafka, "sluice-dlt-replay-reader");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);
        try {
            return new KafkaConsumer<>(props);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new ConfigException("kafka.consumer", "cannot create the dead-letter reader from kafka.common / kafka.consumer: "
                    + KafkaCalls.rootMessage(e));
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String key, String otherwise) {
        Header h = r.headers().lastHeader(key);
        return h == null || h.value() == null ? otherwise : utf8(h.value());
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
