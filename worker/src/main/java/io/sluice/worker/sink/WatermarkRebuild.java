package io.sluice.worker.sink;

import io.sluice.job.BadAnswerException;
import io.sluice.job.Job;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Rebuilds lost watermarks from their truth, the compacted results topic (key = org id), before any
 * org runs again. While the epoch is missing every watermark call fails ({@link Watermarks.Lost}) and
 * the worker runs no query; one worker of the fleet (the holder of the rebuild lock) reads the topic
 * {@code read_committed} from the beginning, raises each org's watermark to its newest committed window,
 * and writes the epoch. The others keep failing closed until the epoch is back.
 *
 * <p><b>Transactions that claimed before the loss.</b> A flush that claimed its orgs before Redis lost
 * them may still commit after the first read. Such a transaction commits or aborts within the publish
 * lock's TTL of its claim ({@link ResultGuard#lockTtl(Map)}), and its claim came before the loss was
 * seen; so after reading the topic once, the rebuild waits until that TTL has passed since it saw the
 * loss and reads the records that came meanwhile. When the topic held no record at all at the start
 * (a new deployment) there is nothing to protect and it does not wait.
 */
public final class WatermarkRebuild {
    private static final Logger LOG = LoggerFactory.getLogger(WatermarkRebuild.class);
    /** The rebuild lock's TTL; renewed every third of it while the rebuild runs. */
    static final Duration LOCK_TTL = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RETRY_EVERY = Duration.ofSeconds(1);
    private static final int RAISE_BATCH = 500;

    /** What one attempt did; {@code orgs} and {@code records} count what was read and raised. */
    public record Outcome(String what, long records, long orgs, Duration took) {
    }

    private final Watermarks watermarks;
    private final Map<String, Object> readerProps;
    private final String topic;
    /** Reads each result's org and window back. */
    private final Job job;
    private final Duration quiet;
    private final LongSupplier nanoTime;
    private final String token = "rebuild-" + Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36);
    private final AtomicBoolean running = new AtomicBoolean();
    private long written;
    /** Test hook: runs after the first read of the topic, before the wait for transactions claimed before the loss. */
    volatile Runnable afterFirstRead = () -> { };
    private volatile long lastEnded = Long.MIN_VALUE;
    private volatile CompletableFuture<Void> current = CompletableFuture.completedFuture(null);

    /**
     * {@code readerProps}: consumer settings without a group ({@code read_committed}); {@code quiet}: how
     * long a transaction that claimed before the loss may still commit (the publish lock's TTL).
     */
    public WatermarkRebuild(Watermarks watermarks, Map<String, Object> readerProps, String topic, Job job, Duration quiet,
                            LongSupplier nanoTime) {
        this.watermarks = watermarks;
        this.job = job;
        this.readerProps = new HashMap<>(readerProps);
        this.readerProps.put("isolation.level", "read_committed");
        this.readerProps.put("enable.auto.commit", "false");
        this.readerProps.remove("group.id");
        this.topic = topic;
        this.quiet = quiet;
        this.nanoTime = nanoTime;
    }

    /**
     * Starts an attempt on a thread of its own unless one runs or one ended within the last second;
     * answers a future that completes when the running (or just started) attempt ends, at once when none runs.
     */
    public CompletableFuture<Void> kick() {
        long now = nanoTime.getAsLong();
        if (lastEnded != Long.MIN_VALUE && now - lastEnded < RETRY_EVERY.toNanos()) return current.copy();
        if (!running.compareAndSet(false, true)) return current.copy();
        CompletableFuture<Void> attempt = new CompletableFuture<>();
        current = attempt;
        Thread.ofVirtual().name("sluice-watermarks-rebuild").start(() -> {
            try {
                run();
            } catch (Exception e) {
                if (watermarks.closed()) {
                    LOG.debug("rebuilding the result watermarks of {} stopped: the worker closed", topic);
                    return;
                }
                LOG.warn("rebuilding the result watermarks of {} failed ({}); trying again, no org runs meanwhile", topic, e.toString());
            } finally {
                lastEnded = nanoTime.getAsLong();
                running.set(false);
                attempt.complete(null);
            }
        });
        return attempt.copy();
    }

    /** One attempt, on the calling thread: "epoch" (nothing to do), "other" (another worker rebuilds) or "rebuilt". */
    public Outcome run() throws Exception {
        long start = nanoTime.getAsLong();
        String lock = watermarks.rebuildLock(token, LOCK_TTL).get(LOCK_TTL.toMillis(), TimeUnit.MILLISECONDS);
        if (!"mine".equals(lock)) {
            return new Outcome(lock, 0, 0, Duration.ofNanos(nanoTime.getAsLong() - start));
        }
        LOG.warn("result watermarks of {} lost (epoch missing): rebuilding them from the topic; no org runs until then", topic);
        AtomicBoolean lockLost = new AtomicBoolean();
        written = 0;
        Thread renew = Thread.ofVirtual().name("sluice-watermarks-rebuild-lock").start(() -> renew(lockLost));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(readerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<Long, Long> orgs = new HashMap<>();
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            Map<TopicPartition, Long> begin = c.beginningOffsets(parts, Duration.ofSeconds(30));
            boolean empty = parts.stream().allMatch(tp -> end.get(tp).equals(begin.get(tp)));
            long records = readTo(c, parts, end, orgs, lockLost);
            afterFirstRead.run();
            if (!empty) {
                long waitUntil = start + quiet.toNanos();
                LOG.info("watermarks rebuild read {} results of {} orgs; waiting {} for transactions claimed before the loss",
                        records, written + orgs.size(), Duration.ofNanos(Math.max(0, waitUntil - nanoTime.getAsLong())));
                while (nanoTime.getAsLong() - waitUntil < 0) {
                    check(lockLost);
                    Thread.sleep(Math.min(1_000, Math.max(1, (waitUntil - nanoTime.getAsLong()) / 1_000_000)));
                }
                records += readTo(c, parts, c.endOffsets(parts, Duration.ofSeconds(30)), orgs, lockLost);
            }
            flush(orgs, lockLost);
            String epoch = Long.toString(System.currentTimeMillis());
            if (!watermarks.publishEpoch(token, epoch).get(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("rebuild lock lost before the epoch was written");
            }
            Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
            LOG.warn("result watermarks of {} rebuilt from {} results ({} org watermarks written) in {}; orgs run again",
                    topic, records, written, took);
            return new Outcome("rebuilt", records, written, took);
        } finally {
            renew.interrupt();
        }
    }

    private long readTo(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> parts, Map<TopicPartition, Long> end,
                        Map<Long, Long> orgs, AtomicBoolean lockLost) throws Exception {
        long records = 0;
        while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
            check(lockLost);
            for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                if (r.value() == null) continue;   // a tombstone
                records++;
                try {
                    Job.Stamp stamp = job.stamp(r.key(), r.value());
                    orgs.merge(stamp.orgId(), stamp.windowEnd().toEpochMilli(), Math::max);
                } catch (BadAnswerException | RuntimeException e) {
                    LOG.warn("results topic {} partition {} offset {}: not a result, left out of the watermarks ({})",
                            topic, r.partition(), r.offset(), e.getMessage());
                }
            }
            if (orgs.size() >= 100_000) {
                flush(orgs, lockLost);   // bounded memory: raise-only writes may go out early
            }
        }
        return records;
    }

    /** Writes the read watermarks in batches of {@value #RAISE_BATCH} orgs, a few round trips in flight. */
    private void flush(Map<Long, Long> orgs, AtomicBoolean lockLost) throws Exception {
        long[] o = new long[RAISE_BATCH];
        long[] e = new long[RAISE_BATCH];
        int n = 0;
        List<java.util.concurrent.CompletableFuture<Boolean>> inFlight = new java.util.ArrayList<>();
        for (Map.Entry<Long, Long> x : orgs.entrySet()) {
            o[n] = x.getKey();
            e[n] = x.getValue();
            if (++n == RAISE_BATCH) {
                inFlight.add(watermarks.raiseCommitted(o.clone(), e.clone(), n, token));
                n = 0;
                if (inFlight.size() >= 16) drain(inFlight, lockLost);
            }
        }
        if (n > 0) inFlight.add(watermarks.raiseCommitted(o, e, n, token));
        drain(inFlight, lockLost);
        written += orgs.size();
        orgs.clear();
    }

    private static void drain(List<java.util.concurrent.CompletableFuture<Boolean>> inFlight, AtomicBoolean lockLost) throws Exception {
        for (var f : inFlight) {
            if (!f.get(30, TimeUnit.SECONDS)) lockLost.set(true);
        }
        inFlight.clear();
        if (lockLost.get()) throw new IllegalStateException("rebuild lock lost");
    }

    private void check(AtomicBoolean lockLost) {
        if (lockLost.get()) throw new IllegalStateException("rebuild lock lost");
        if (watermarks.closed()) throw new IllegalStateException("watermarks closed");
    }

    private void renew(AtomicBoolean lockLost) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(LOCK_TTL.toMillis() / 3);
                String r = watermarks.rebuildLock(token, LOCK_TTL).get(LOCK_TTL.toMillis() / 3, TimeUnit.MILLISECONDS);
                if (!"mine".equals(r)) {
                    lockLost.set(true);
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.debug("renewing the rebuild lock failed: {}", e.toString());   // tried again; the writes check the lock
            }
        }
    }
}
