package io.sluice.worker.sink;

import io.sluice.messages.Batch;
import io.sluice.messages.ProjectionResult;
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
 * Results never regress (DESIGN section 11): a projection for an older window never becomes the latest
 * value of its org on the compacted results topic, whether it comes from a replay, a dead-letter replay,
 * a redelivery or a backfill running beside the daily run.
 *
 * <p><b>Skip early.</b> Before an org asks for a slot, its watermark (the highest window end published
 * for it, see {@link Watermarks}) is compared with the batch's window end; one round trip per batch,
 * shared by its orgs. An org whose watermark is newer is not queried: it finishes as {@code superseded}.
 *
 * <p><b>Decide at publish time.</b> The early check can be overtaken (two workers on one org with
 * different windows), so every flush of results (the worker writes them in one Kafka transaction with
 * the consumed offsets) first {@link #claim claims} its orgs in one round trip: per org, a newer
 * watermark makes it stale (not written), another publisher's lock makes the flush wait (nothing is
 * taken then); otherwise the flush holds every org's lock. After the transaction commits,
 * {@link #settle} raises the watermarks to {@code max(watermark, mine)} and drops the locks; when
 * nothing was written, {@link #release} drops them. An equal window end is the same window and may
 * publish again (a redelivery is an idempotent upsert). A lock lives for {@link #lockTtl(Map)}, longer
 * than the producer may take to commit or abort a transaction, so a lock can only lapse once its
 * records can no longer land, and a newer result published after that stays the latest.
 *
 * <p>Redis unreachable: every call fails, the flush is retried (fail closed).
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

    /**
     * One flush's claim on the orgs of its results: per result, the answer; {@link #busy()} when another
     * publisher holds one of them (then nothing was taken). {@code askedNanos} is when it was asked.
     */
    public record Claim(String token, List<ProjectionResult> results, List<Watermarks.Claim> answers, long askedNanos) {
        public boolean busy() {
            return answers.stream().anyMatch(a -> a instanceof Watermarks.Busy);
        }

        /** Whether result {@code i} is for an older window than its org's latest (it is not written). */
        public boolean stale(int i) {
            return answers.get(i) instanceof Watermarks.Stale;
        }
    }

    private record BatchCheck(CompletableFuture<long[]> watermarks, long bornNanos) {
    }

    private final Watermarks watermarks;
    private volatile boolean closed;
    private final Duration lockTtl;
    private final LongSupplier nanoTime;
    private final String instance = Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36);
    private final AtomicLong tokens = new AtomicLong();
    private final Map<String, BatchCheck> checks = new ConcurrentHashMap<>();

    public ResultGuard(Watermarks watermarks, Duration lockTtl, LongSupplier nanoTime) {
        this.watermarks = watermarks;
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
     * The org's watermark when it is newer than the batch's window (the org is superseded), else empty.
     * {@code batchId} names one batch record (partition@offset): its orgs share one Redis round trip.
     * A cached answer can only be too old, never wrong the other way: watermarks only rise, and the
     * publish-time check decides anyway.
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
        return check.watermarks().thenApply(wm -> i >= 0 && wm[i] > end ? OptionalLong.of(wm[i]) : OptionalLong.empty());
    }

    private BatchCheck fetch(Batch batch, long now) {
        long end = batch.window().end().toEpochMilli();
        CompletableFuture<long[]> wm = watermarks.read(batch.orgIds());
        wm.thenAccept(w -> {
            long newer = java.util.Arrays.stream(w).filter(x -> x > end).count();
            if (newer > 0) {
                LOG.info("batch {} (window ending {}): {} of {} orgs already have a result for a newer window; "
                                + "they are not queried (outcome superseded)", batch.key(), batch.window().end(), newer,
                        batch.orgIds().size());
            }
        });
        return new BatchCheck(wm, now);
    }

    /** Claims the orgs of {@code results} for one flush (one round trip); fails when Redis does (retry the flush). */
    public CompletableFuture<Claim> claim(List<ProjectionResult> results) {
        String token = instance + "-" + tokens.incrementAndGet();
        long asked = nanoTime.getAsLong();
        if (results.isEmpty()) {
            return CompletableFuture.completedFuture(new Claim(token, results, List.of(), asked));
        }
        long[] orgs = new long[results.size()];
        long[] ends = new long[results.size()];
        for (int i = 0; i < orgs.length; i++) {
            orgs[i] = results.get(i).orgId();
            ends[i] = results.get(i).window().end().toEpochMilli();
        }
        return watermarks.claim(orgs, ends, token, lockTtl).thenApply(answers -> new Claim(token, results, answers, asked));
    }

    /** Whether a claim is still fresh enough to write under: a long pause since asking could eat into the lock. */
    public boolean fresh(Claim claim) {
        return nanoTime.getAsLong() - claim.askedNanos() <= SEND_WITHIN.toNanos();
    }

    /**
     * After the claim's results were committed: raises each written org's watermark and drops the
     * locks. Retried until Redis answers (a watermark left behind would let an older window win later);
     * the future completes when it is recorded.
     */
    public CompletableFuture<Void> settle(Claim claim) {
        int n = claim.results().size();
        long[] orgs = new long[n];
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            orgs[i] = claim.results().get(i).orgId();
            ends[i] = claim.stale(i) ? -1 : claim.results().get(i).window().end().toEpochMilli();
        }
        return advance(orgs, ends, claim, 100);
    }

    /** Nothing of the claim was written: drops its locks (best effort; they lapse on their own otherwise). */
    public CompletableFuture<Void> release(Claim claim) {
        if (claim.busy() || claim.results().isEmpty()) {
            return CompletableFuture.completedFuture(null);   // a busy claim took nothing
        }
        long[] orgs = claim.results().stream().mapToLong(ProjectionResult::orgId).toArray();
        long[] none = new long[orgs.length];
        java.util.Arrays.fill(none, -1);
        return watermarks.advance(orgs, none, claim.token()).<Void>thenApply(x -> null)
                .exceptionally(e -> {
                    LOG.debug("publish locks of {} orgs not dropped ({}); they lapse within {}", orgs.length, e.toString(), lockTtl);
                    return null;
                });
    }

    private CompletableFuture<Void> advance(long[] orgs, long[] ends, Claim claim, long delayMs) {
        if (orgs.length == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return watermarks.advance(orgs, ends, claim.token()).handle((ours, e) -> {
            if (e == null) {
                if (ours < orgs.length) {
                    LOG.warn("{} of {} publish locks lapsed before their results were committed (lock TTL {}); the "
                            + "watermarks are raised anyway", orgs.length - ours, orgs.length, lockTtl);
                }
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (closed) {
                LOG.warn("watermarks of {} published orgs not recorded before close: {}", orgs.length, e.toString());
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (delayMs >= ADVANCE_RETRY_MAX_MS) {
                LOG.warn("watermarks of {} published orgs not recorded yet ({}); retrying every {} ms", orgs.length,
                        e.toString(), ADVANCE_RETRY_MAX_MS);
            }
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> advance(orgs, ends, claim, Math.min(ADVANCE_RETRY_MAX_MS, delayMs * 2)));
        }).thenCompose(f -> f);
    }

    @Override
    public void close() {
        closed = true;
        watermarks.close();
    }
}
