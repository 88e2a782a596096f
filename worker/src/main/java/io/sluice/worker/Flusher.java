package io.sluice.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.worker.sink.ResultStamp;
import io.sluice.worker.sink.ResultGuards;
import io.sluice.worker.sink.Watermarks;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Writes what the finished prefix of each partition produced, with its offsets: results and dead
 * letters of every batch below the committable offset, then the offset itself.
 *
 * <p><b>Exactly once</b> ({@code worker.exactly-once}, the default): one Kafka transaction per flush
 * holds the records and the consumed offsets ({@code sendOffsetsToTransaction} with the consumer's
 * group metadata, KIP-447), so a {@code read_committed} reader sees each batch's output once, whatever
 * crashes, SIGKILLs or rebalances happen: an aborted or never-committed transaction is invisible and
 * its batches are redelivered. A zombie whose partitions moved is fenced by the group generation.
 * <b>At least once</b> (off): the records are sent and flushed, then the offsets committed.
 *
 * <p>Before writing, the flush claims its results' orgs ({@link ResultGuard}), which raises their
 * watermarks (pending) before anything can commit: stale results (an older window than the org's
 * latest, or the same window already committed) are not written, and a partition holding an org
 * another publisher holds waits. After the commit the watermarks are confirmed. A partition whose record cannot
 * be written backs off (100 ms doubling to 30 s) and pauses; a non-retriable failure (too large, no ACL)
 * names the record in {@link #problem()} and keeps the worker unready. Nothing is ever skipped: the
 * offset stays behind the record until it is written. Poll thread only, except {@link #problem()}.
 */
final class Flusher {
    private static final Logger LOG = LoggerFactory.getLogger(Flusher.class);
    /** How often finished work is written, like Kafka Streams' commit interval under exactly-once. */
    static final Duration INTERVAL = Duration.ofMillis(100);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A partition holding an org that another publisher holds waits this long before its next try. */
    static final Duration BUSY_WAIT = Duration.ofMillis(200);
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(30);
    private static final int COMMIT_TIMEOUT_RETRIES = 3;

    private final Consumer<?, ?> consumer;
    private final Producer<byte[], byte[]> producer;
    private final ResultGuards guard;
    private final boolean transactional;
    private final long intervalNanos;
    private final Duration maxBackoff;
    private final LongSupplier nanoTime;
    private final Map<TopicPartition, String> stuck = new ConcurrentHashMap<>();
    private final Counter projected;
    private final Counter deadLettered;
    private final Counter superseded;
    private final Counter failures;
    private final Timer flushes;
    private long lastFlush;
    private FlushPump pump;
    /** True while a periodic flush runs: its waits go through {@link #pump}. */
    private boolean pumping;
    /** Test hook: runs after a flush committed, before its watermarks are confirmed (a crash there is what it models). */
    volatile Runnable afterCommit = () -> { };

    /** One partition's part of a flush: its finished prefix up to {@code offset} (exclusive) and the records of it. */
    private record Slice(PartitionWork work, long offset, Map<Long, List<Output>> outputs) {
    }

    private record Sent(Slice slice, long offset, Output output, Throwable[] error) {
    }

    Flusher(Consumer<?, ?> consumer, Producer<byte[], byte[]> producer, ResultGuards guard, boolean transactional,
            Duration interval, Duration maxBackoff, LongSupplier nanoTime, MeterRegistry registry) {
        this.intervalNanos = interval.toNanos();
        this.consumer = consumer;
        this.producer = producer;
        this.guard = guard;
        this.transactional = transactional;
        this.maxBackoff = maxBackoff;
        this.nanoTime = nanoTime;
        this.lastFlush = nanoTime.getAsLong();
        this.projected = Counter.builder("sluice.worker.orgs").tag("outcome", Output.PROJECTED).register(registry);
        this.deadLettered = Counter.builder("sluice.worker.orgs").tag("outcome", Output.DEAD_LETTERED).register(registry);
        this.superseded = Counter.builder("sluice.worker.orgs").tag("outcome", "superseded").register(registry);
        this.failures = Counter.builder("sluice.worker.flush.failures")
                .description("flushes of results, dead letters and offsets that failed and were retried").register(registry);
        this.flushes = Timer.builder("sluice.worker.flush").tag("mode", transactional ? "transaction" : "at_least_once")
                .description("writing finished batches' output with their offsets").register(registry);
    }

    /** How long {@link #init()} keeps asking a transaction coordinator that does not answer (a broker restarting). */
    static final Duration INIT_PATIENCE = Duration.ofMinutes(2);

    /**
     * Registers the transactional producer (fencing an earlier one with its id); before the first flush. A
     * coordinator that does not answer within {@code max.block.ms} (a broker restarting, a coordinator moving) is
     * asked again, as Kafka allows after a {@link org.apache.kafka.common.errors.TimeoutException}, for up to
     * {@link #INIT_PATIENCE}: a worker that starts during a broker restart waits for it instead of exiting.
     */
    void init() {
        if (!transactional) {
            return;
        }
        long deadline = nanoTime.getAsLong() + INIT_PATIENCE.toNanos();
        while (true) {
            try {
                producer.initTransactions();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (nanoTime.getAsLong() - deadline >= 0) {
                    throw e;
                }
                LOG.warn("the transaction coordinator did not answer ({}); asking again", e.getMessage());
            }
        }
    }

    boolean transactional() {
        return transactional;
    }

    /** Null while every record could be written; else which record is stuck and why. */
    String problem() {
        return stuck.values().stream().findFirst().orElse(null);
    }

    /** A partition left: whatever it could not write is the new owner's now. */
    void forget(Collection<PartitionWork> gone) {
        gone.forEach(w -> stuck.remove(w.partition));
    }

    /** The earliest of {@code until} and when the next flush is due (nanoTime), given what is finished. */
    long nextDue(Collection<PartitionWork> parts, long until) {
        for (PartitionWork w : parts) {
            if (w.committable() > w.lastCommitted) {
                long at = Math.max(lastFlush + intervalNanos, w.flushNotBefore);
                until = Math.min(until, at);
            }
        }
        return until;
    }

    /** What the poll loop does while a periodic flush waits (set by the loop); null: the flush blocks. */
    void pumpWith(FlushPump pump) {
        this.pump = pump;
    }

    /**
     * Flushes when the interval has passed since the last flush. Its waits on Redis and on the commit
     * run the loop's events and dispatch meanwhile ({@link FlushPump}); a revoke's or a shutdown's flush
     * ({@link #flush}) blocks.
     */
    void maybeFlush(Collection<PartitionWork> parts) {
        long now = nanoTime.getAsLong();
        if (now - lastFlush >= intervalNanos) {
            pumping = pump != null;
            try {
                flush(List.copyOf(parts), false);   // a copy: events run meanwhile may not change the table, but no chance taken
            } finally {
                pumping = false;
            }
        }
    }

    /**
     * Writes each partition's finished prefix with its offset. {@code force} (revoke, shutdown) also
     * tries partitions that are backing off. Throws only when the producer cannot go on (fenced by a
     * newer instance of itself, not authorized): then the worker has to restart.
     */
    void flush(Collection<PartitionWork> parts, boolean force) {
        long now = nanoTime.getAsLong();
        lastFlush = now;
        List<Slice> slices = new ArrayList<>();
        for (PartitionWork w : parts) {
            long c = w.committable();
            if (c > w.lastCommitted && (force || w.flushNotBefore - now <= 0)) {
                slices.add(new Slice(w, c, w.outputs.headMap(c)));
            }
        }
        if (slices.isEmpty()) {
            return;
        }
        long start = now;
        ResultGuards.Claim claim = claim(slices, now);
        if (claim == null || slices.isEmpty()) {
            return;
        }
        write(slices, claim, now);
        flushes.record(nanoTime.getAsLong() - start, TimeUnit.NANOSECONDS);
    }

    /**
     * Claims the orgs of the slices' results; slices holding an org another publisher holds are taken
     * out (they wait {@link #BUSY_WAIT}) and the rest claimed again. Null when Redis failed.
     */
    private ResultGuards.Claim claim(List<Slice> slices, long now) {
        while (true) {
            List<ResultStamp> results = newestPerOrg(slices);
            ResultGuards.Claim claim;
            try {
                CompletableFuture<ResultGuards.Claim> asked = guard.claim(results);
                claim = pumping ? pump.get(asked, CLAIM_TIMEOUT) : asked.get(CLAIM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (Exception e) {
                LOG.warn("flush of {} partitions waits: publish locks unreadable ({}); retrying", slices.size(), e.toString());
                slices.forEach(s -> s.work().flushNotBefore = now + Duration.ofSeconds(1).toNanos());
                failures.increment();
                return null;
            }
            if (!claim.busy()) {
                if (!guard.fresh(claim)) {
                    guard.release(claim);   // a long pause since asking: the locks' time is partly gone; next turn
                    return null;
                }
                return claim;
            }
            java.util.Set<JobOrg> busyOrgs = new java.util.HashSet<>();
            for (int i = 0; i < results.size(); i++) {
                if (claim.answers().get(i) instanceof Watermarks.Busy) busyOrgs.add(orgOf(results.get(i)));
            }
            slices.removeIf(s -> {
                boolean busy = s.outputs().values().stream().flatMap(List::stream)
                        .anyMatch(o -> o.result() != null && busyOrgs.contains(orgOf(o.result())));
                if (busy) {
                    LOG.debug("{}: an org is being published by another worker; waiting {}", s.work().partition, BUSY_WAIT);
                    s.work().flushNotBefore = now + BUSY_WAIT.toNanos();
                }
                return busy;
            });
            if (slices.isEmpty()) {
                return null;
            }
        }
    }

    /**
     * The results to write: per org the newest window only (two batches of one flush may carry one org,
     * e.g. a backfill beside the daily run); older ones are superseded within the flush. Marks the
     * dropped outputs by leaving them out of the returned list.
     */
    private static List<ResultStamp> newestPerOrg(List<Slice> slices) {
        Map<JobOrg, ResultStamp> newest = new LinkedHashMap<>();
        for (Slice s : slices) {
            for (List<Output> outs : s.outputs().values()) {
                for (Output o : outs) {
                    if (o.result() != null) {
                        newest.merge(orgOf(o.result()), o.result(), (a, b) ->
                                b.windowEnd().isBefore(a.windowEnd()) ? a : b);
                    }
                }
            }
        }
        return new ArrayList<>(newest.values());
    }

    /** One org of one job: what the newest result is kept per, and what a busy claim names. */
    private record JobOrg(String job, long orgId) {
    }

    private static JobOrg orgOf(ResultStamp r) {
        return new JobOrg(r.job(), r.orgId());
    }

    private void write(List<Slice> slices, ResultGuards.Claim claim, long now) {
        Map<ResultStamp, Boolean> written = new java.util.IdentityHashMap<>();
        for (int i = 0; i < claim.results().size(); i++) {
            written.put(claim.results().get(i), !claim.stale(i));
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        slices.forEach(s -> offsets.put(s.work().partition, new OffsetAndMetadata(s.offset())));
        List<Sent> sent = new ArrayList<>();
        try {
            if (transactional) {
                producer.beginTransaction();
            }
            for (Slice s : slices) {
                for (Map.Entry<Long, List<Output>> e : s.outputs().entrySet()) {
                    for (Output o : e.getValue()) {
                        if (o.result() != null && !Boolean.TRUE.equals(written.get(o.result()))) {
                            continue;   // stale, or an older window of an org this flush writes anyway
                        }
                        Sent x = new Sent(s, e.getKey(), o, new Throwable[1]);
                        sent.add(x);
                        producer.send(o.record(), (md, err) -> x.error()[0] = err);
                    }
                }
            }
            if (transactional) {
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                if (pumping) pump.run(this::commit);
                else commit();
            } else {
                producer.flush();
                if (sent.stream().anyMatch(x -> x.error()[0] != null)) {
                    throw new KafkaException("a send failed");
                }
                consumer.commitSync(offsets, ShutdownBudget.COMMIT);
            }
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
            throw new IllegalStateException("the output producer cannot go on (" + e + "); the worker restarts, and "
                    + "the batches it did not commit are redelivered", e);
        } catch (KafkaException e) {
            failed(slices, sent, claim, e, now);
            return;
        }
        for (Slice s : slices) {
            PartitionWork w = s.work();
            w.lastCommitted = Math.max(w.lastCommitted, s.offset());
            w.outputs.headMap(s.offset()).clear();
            if (stuck.remove(w.partition) != null) {
                LOG.info("{}: output written after {} failed flushes", w.partition, w.flushFailures);
            }
            w.flushFailures = 0;
            w.flushNotBefore = 0;
        }
        count(sent, written);
        afterCommit.run();
        guard.settle(claim);
    }

    private void count(List<Sent> sent, Map<ResultStamp, Boolean> written) {
        for (Sent x : sent) {
            if (x.output().result() != null) projected.increment();
            else if (Output.DEAD_LETTERED.equals(x.output().outcome())) deadLettered.increment();
        }
        written.values().stream().filter(w -> !w).forEach(w -> superseded.increment());
    }

    /** Commits the transaction; a timeout is retried (the same commit completes), anything else propagates. */
    private void commit() {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_TIMEOUT_RETRIES) {
                    throw new IllegalStateException("transaction commit timed out " + attempt + " times: " + e, e);
                }
                LOG.warn("transaction commit timed out ({}); trying again", e.toString());
            }
        }
    }

    /**
     * Nothing of this flush became visible (transaction aborted) or offsets were not committed. Slices
     * with a record that failed on its own back off; the others go again at the next flush.
     */
    private void failed(List<Slice> slices, List<Sent> sent, ResultGuards.Claim claim, KafkaException e, long now) {
        failures.increment();
        if (transactional) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailed) {
                throw new IllegalStateException("transaction could not be aborted (" + abortFailed + ") after: " + e, abortFailed);
            }
            guard.release(claim);
        } else {
            guard.abandon(claim);   // some may have landed: their pending marks stay, so no older window overtakes them
        }
        Map<Slice, Sent> culprit = new LinkedHashMap<>();
        for (Sent x : sent) {
            if (ownFault(x.error()[0], e)) {
                culprit.putIfAbsent(x.slice(), x);
            }
        }
        if (culprit.isEmpty()) {
            LOG.warn("flush of {} partitions failed ({}); nothing of it is visible, it goes again", slices.size(), e.toString());
            return;
        }
        culprit.forEach((s, x) -> {
            PartitionWork w = s.work();
            Throwable err = x.error()[0];
            Duration delay = backoff(w.flushFailures++, maxBackoff);
            String what = x.output().describe(w, x.offset());
            if (!(err instanceof RetriableException)) {
                delay = maxBackoff;
                String why = what + " cannot be written: " + err;
                if (!Objects.equals(stuck.put(w.partition, why), why)) {
                    LOG.error("{}; the worker is unready and retries every {} (the record is kept, its offset is not committed)",
                            why, maxBackoff);
                }
            } else {
                LOG.warn("{} not written ({}); retrying in {}", what, err.toString(), delay);
            }
            w.flushNotBefore = now + delay.toNanos();
        });
    }

    /**
     * Whether a record's send failed for a reason of its own (too large, no ACL on its topic, its
     * partition without enough replicas), not because the transaction around it failed: aborted, or
     * fenced by the group generation (a zombie's commit), or any error the whole flush shares.
     */
    private static boolean ownFault(Throwable err, KafkaException flushError) {
        if (err == null || err instanceof TransactionAbortedException || err instanceof CommitFailedException
                || err.getClass() == KafkaException.class) {
            return false;
        }
        return err != flushError && err.getClass() != flushError.getClass();
    }

    static Duration backoff(int attempt, Duration max) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(attempt, 20);
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }
}
