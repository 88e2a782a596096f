package io.sluice.worker.sink;

import io.sluice.messages.Batch;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Results never regress and are written once per org and window: a projection for
 * an older window never becomes the latest value of its org on the compacted results topic, whether it
 * comes from a replay, a dead-letter replay, a redelivery or a backfill running beside the daily run;
 * and an org whose result for a window is committed is not queried for that window again.
 *
 * <p><b>The topic is the truth, the watermarks its cache.</b> Each org's watermark ({@link Watermarks})
 * is the highest window end written for it. It is raised <em>before</em> the transaction holding the
 * result commits, marked pending with the claim's token, and confirmed after the commit. So a crash at
 * any point leaves no committed result above its org's watermark (docs/RELIABILITY.md has the table).
 *
 * <p><b>Skip early.</b> Before an org asks for a slot, its watermark is compared with the batch's window
 * end; one round trip per batch, shared by its orgs. An org whose watermark is newer, or equal and
 * committed (a re-published batch), is not queried: it finishes as {@code superseded}.
 *
 * <p><b>Decide at publish time.</b> The early check can be overtaken (two workers on one org with
 * different windows), so every flush of results (the worker writes them in one Kafka transaction with
 * the consumed offsets) first {@link #claim claims} its orgs in one round trip: per org, a newer
 * watermark (pending or committed) makes it stale and the same committed window makes it done (neither
 * is written); another publisher's lock makes the flush wait (nothing is taken then); otherwise the
 * flush holds every org's lock and has raised its watermark, pending. After the transaction commits,
 * {@link #settle} confirms the watermarks and drops the locks (a crash may lose this step: harmless, a
 * pending mark supersedes older windows as a committed one does, and the same window may run again);
 * when the transaction aborted, {@link #release} puts the watermarks back and drops the locks; when the
 * outcome is unknown, {@link #abandon} only drops the locks. A lock lives for {@link #lockTtl(Map)},
 * longer than the producer may take to commit or abort a transaction, so a lock can only lapse once
 * its records can no longer land, and a newer result published after that stays the latest.
 *
 * <p>Redis unreachable: every call fails, the flush is retried (fail closed). Watermarks lost (epoch
 * missing): every call fails too, and {@link WatermarkRebuild} rebuilds them from the topic.
 */
public final class ResultGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultGuard.class);
    /** Slack on top of the producer's own bounds, for the time between taking the lock and calling send(). */
    static final Duration LOCK_MARGIN = Duration.ofSeconds(15);
    /** The lock is given up unused when more than this passed between asking for it and sending (a long pause). */
    static final Duration SEND_WITHIN = Duration.ofSeconds(5);
    private static final Duration BATCH_CHECK_MAX_AGE = Duration.ofSeconds(10);
    private static final int BATCH_CHECKS_KEPT = 512;
    private static final long ADVANCE_RETRY_MAX_MS = 2_000;
    /** How long a batch's first watermark read waits for this worker's rebuild of lost watermarks. */
    private static final Duration REBUILD_WAIT = Duration.ofSeconds(5);

    /**
     * One flush's claim on the orgs of its results: per result, the answer; {@link #busy()} when another
     * publisher holds one of them (then nothing was taken). {@code askedNanos} is when it was asked.
     */
    public record Claim(String token, List<ResultStamp> results, List<Watermarks.Claim> answers, long askedNanos) {
        public boolean busy() {
            return answers.stream().anyMatch(a -> a instanceof Watermarks.Busy);
        }

        /**
         * Whether result {@code i} is not written: its window is older than its org's latest, or the same
         * window's result is already committed ({@link #duplicate}).
         */
        public boolean stale(int i) {
            return answers.get(i) instanceof Watermarks.Stale || answers.get(i) instanceof Watermarks.Done;
        }

        /** Whether result {@code i}'s window is already committed for its org (it is not written again). */
        public boolean duplicate(int i) {
            return answers.get(i) instanceof Watermarks.Done;
        }
    }

    private record BatchCheck(CompletableFuture<Watermarks.Mark[]> watermarks, long bornNanos) {
    }

    private final Watermarks watermarks;
    private final WatermarkRebuild rebuild;
    private volatile boolean closed;
    private final Duration lockTtl;
    private final LongSupplier nanoTime;
    private final String instance = Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36);
    private final AtomicLong tokens = new AtomicLong();
    private final Map<String, BatchCheck> checks = new ConcurrentHashMap<>();

    /** A guard that never rebuilds lost watermarks itself (another worker must): for tests. */
    public ResultGuard(Watermarks watermarks, Duration lockTtl, LongSupplier nanoTime) {
        this(watermarks, null, lockTtl, nanoTime);
    }

    /** {@code rebuild} is started whenever a call finds the watermarks lost. */
    public ResultGuard(Watermarks watermarks, WatermarkRebuild rebuild, Duration lockTtl, LongSupplier nanoTime) {
        this.watermarks = watermarks;
        this.rebuild = rebuild;
        this.lockTtl = lockTtl;
        this.nanoTime = nanoTime;
    }

    /**
     * The publish lock's TTL for a producer with these settings: {@code max.block.ms} (a send or a
     * transaction's commit may block that long) plus the longer of {@code delivery.timeout.ms} (then a
     * send's callback fires, delivered or failed) and {@code transaction.timeout.ms} (then the broker
     * aborts a transaction that was not committed), plus a margin.
     */
    public static Duration lockTtl(Map<String, Object> producerProps) {
        long maxBlock = millis(producerProps, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        long delivery = millis(producerProps, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        long transaction = producerProps.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)
                ? millis(producerProps, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000) : 0;
        return Duration.ofMillis(maxBlock + Math.max(delivery, transaction)).plus(LOCK_MARGIN);
    }

    private static long millis(Map<String, Object> props, String key, long dflt) {
        Object v = props.get(key);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("kafka.producer." + key + " must be a number of milliseconds, was '" + v + "'");
        }
    }

    public Duration lockTtl() {
        return lockTtl;
    }

    /**
     * The org's watermark when it is newer than the batch's window, or equal to it and committed (the
     * org is superseded: not queried), else empty. {@code batchId} names one batch record
     * (partition@offset): its orgs share one Redis round trip. A cached answer can only be too old,
     * never wrong the other way: watermarks only rise, and the publish-time check decides anyway.
     * Fails when the watermarks cannot be read or were lost (then they are being rebuilt).
     */
    public CompletableFuture<OptionalLong> supersededBy(String batchId, Batch batch, long org) {
        long now = nanoTime.getAsLong();
        BatchCheck check = checks.compute(batchId, (id, c) ->
                c == null || now - c.bornNanos() > BATCH_CHECK_MAX_AGE.toNanos() ? fetch(batch, now) : c);
        check.watermarks().whenComplete((x, e) -> {
            if (e != null) checks.remove(batchId, check);
        });
        if (checks.size() > BATCH_CHECKS_KEPT) {
            checks.values().removeIf(c -> now - c.bornNanos() > BATCH_CHECK_MAX_AGE.toNanos());
        }
        long end = batch.window().end().toEpochMilli();
        int i = batch.orgIds().indexOf(org);
        return check.watermarks().thenApply(wm -> i >= 0 && done(wm[i], end) ? OptionalLong.of(wm[i].end()) : OptionalLong.empty());
    }

    /** Whether a result for the window ending at {@code end} is superseded or already committed. */
    private static boolean done(Watermarks.Mark m, long end) {
        return m.end() > end || m.end() == end && m.pending() == null;
    }

    private BatchCheck fetch(Batch batch, long now) {
        long end = batch.window().end().toEpochMilli();
        CompletableFuture<Watermarks.Mark[]> wm = watch(watermarks.read(batch.orgIds()).exceptionallyCompose(e -> {
            if (rebuild == null || closed || !(Watermarks.unwrap(e) instanceof Watermarks.Lost)) {
                return CompletableFuture.failedFuture(e);
            }
            // Lost: when this worker rebuilds and that is quick (an empty topic: a new deployment), wait for it
            // rather than send every org of the batch round a retry; otherwise the read fails again (a retry).
            return rebuild.kick().completeOnTimeout(null, REBUILD_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .thenCompose(x -> watermarks.read(batch.orgIds()));
        }));
        wm.thenAccept(w -> {
            long newer = java.util.Arrays.stream(w).filter(x -> x.end() > end).count();
            long same = java.util.Arrays.stream(w).filter(x -> x.end() == end && x.pending() == null).count();
            if (newer + same > 0) {
                LOG.info("batch {} (window ending {}): of {} orgs, {} already have a result for a newer window and {} one "
                                + "for this window; they are not queried (outcome superseded)", batch.key(), batch.window().end(),
                        batch.orgIds().size(), newer, same);
            }
        });
        return new BatchCheck(wm, now);
    }

    /** Claims the orgs of {@code results} for one flush (one round trip); fails when Redis does (retry the flush). */
    public CompletableFuture<Claim> claim(List<ResultStamp> results) {
        String token = instance + "-" + tokens.incrementAndGet();
        long asked = nanoTime.getAsLong();
        if (results.isEmpty()) {
            return CompletableFuture.completedFuture(new Claim(token, results, List.of(), asked));
        }
        long[] orgs = new long[results.size()];
        long[] ends = new long[results.size()];
        for (int i = 0; i < orgs.length; i++) {
            orgs[i] = results.get(i).orgId();
            ends[i] = results.get(i).windowEnd().toEpochMilli();
        }
        return watch(watermarks.claim(orgs, ends, token, lockTtl)).thenApply(answers -> new Claim(token, results, answers, asked));
    }

    /** Whether a claim is still fresh enough to write under: a long pause since asking could eat into the lock. */
    public boolean fresh(Claim claim) {
        return nanoTime.getAsLong() - claim.askedNanos() <= SEND_WITHIN.toNanos();
    }

    /**
     * After the claim's results were committed: confirms each written org's watermark and drops the
     * locks. Retried until Redis answers (while a mark stays pending, the same window may run again);
     * the future completes when it is recorded, or when the watermarks were lost (the rebuild reads the
     * commit from the topic).
     */
    public CompletableFuture<Void> settle(Claim claim) {
        return end(claim, (i, held) -> Long.toString(claim.results().get(i).windowEnd().toEpochMilli()), 100);
    }

    /**
     * Nothing of the claim was written (its transaction aborted, or it never began): puts each org's
     * watermark back to what it was, unless someone raised it since, and drops the locks (best effort;
     * they lapse on their own otherwise, and a pending mark left behind only makes the same window run again).
     */
    public CompletableFuture<Void> release(Claim claim) {
        if (claim.busy()) {
            return CompletableFuture.completedFuture(null);   // a busy claim took nothing
        }
        return end(claim, (i, held) -> held.was(), -1);
    }

    /** The claim's outcome is unknown (some records may have landed): keeps the pending marks, drops the locks. */
    public CompletableFuture<Void> abandon(Claim claim) {
        if (claim.busy()) {
            return CompletableFuture.completedFuture(null);
        }
        return end(claim, null, -1);
    }

    /**
     * Finishes a claim: each held org whose mark is still this claim's pending one gets
     * {@code replace(i, held)} (null: marks stay); every lock still ours is dropped. {@code retryMs} < 0:
     * one try.
     */
    private CompletableFuture<Void> end(Claim claim, java.util.function.BiFunction<Integer, Watermarks.Held, String> replace,
                                        long retryMs) {
        int n = claim.results().size();
        if (n == 0) {
            return CompletableFuture.completedFuture(null);
        }
        long[] orgs = new long[n];
        String[] expect = new String[n];
        String[] to = new String[n];
        for (int i = 0; i < n; i++) {
            ResultStamp r = claim.results().get(i);
            orgs[i] = r.orgId();
            to[i] = "";
            if (replace != null && claim.answers().get(i) instanceof Watermarks.Held held) {
                expect[i] = Watermarks.pending(r.windowEnd().toEpochMilli(), claim.token());
                to[i] = replace.apply(i, held);
            }
        }
        return finish(orgs, expect, to, claim, retryMs);
    }

    private CompletableFuture<Void> finish(long[] orgs, String[] expect, String[] to, Claim claim, long delayMs) {
        return watch(watermarks.finish(orgs, expect, to, claim.token())).handle((ours, e) -> {
            if (e == null) {
                if (ours < orgs.length && delayMs >= 0) {
                    LOG.warn("{} of {} publish locks lapsed before their results were committed (lock TTL {})",
                            orgs.length - ours, orgs.length, lockTtl);
                }
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (delayMs < 0 || Watermarks.unwrap(e) instanceof Watermarks.Lost) {
                LOG.debug("publish locks of {} orgs not dropped ({}); they lapse within {}", orgs.length, e.toString(), lockTtl);
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (closed) {
                LOG.warn("watermarks of {} published orgs not confirmed before close ({}); they stay pending", orgs.length, e.toString());
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (delayMs >= ADVANCE_RETRY_MAX_MS) {
                LOG.warn("watermarks of {} published orgs not confirmed yet ({}); retrying every {} ms", orgs.length,
                        e.toString(), ADVANCE_RETRY_MAX_MS);
            }
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> finish(orgs, expect, to, claim, Math.min(ADVANCE_RETRY_MAX_MS, delayMs * 2)));
        }).thenCompose(f -> f);
    }

    /** Starts the rebuild when a call finds the watermarks lost. */
    private <T> CompletableFuture<T> watch(CompletableFuture<T> call) {
        return call.whenComplete((x, e) -> {
            if (e != null && rebuild != null && !closed && Watermarks.unwrap(e) instanceof Watermarks.Lost) {
                rebuild.kick();
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        watermarks.close();
    }
}
