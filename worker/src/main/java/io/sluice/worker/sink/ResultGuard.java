package io.sluice.worker.sink;

import io.sluice.messages.Batch;
import io.sluice.messages.ProjectionResult;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
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
 * different windows), so publishing is: atomically check the watermark and take the org's lock
 * (newer watermark: superseded; locked by another: busy, retry later); send and await the broker's ack;
 * then raise the watermark to {@code max(watermark, mine)} and drop the lock. An equal window end is the
 * same window and may publish again (a redelivery is an idempotent upsert). The lock lives for
 * {@link #lockTtl(Map)}, longer than the producer may hold a record before reporting it delivered or
 * failed ({@code max.block.ms + delivery.timeout.ms}); so a lock can only lapse once its record can no
 * longer land, and a newer result published after that stays the latest. A failed send keeps the lock
 * until it lapses for the same reason.
 *
 * <p>Redis unreachable: every call fails, the caller retries the org (fail closed).
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

    /** How a publish ended. */
    public sealed interface Publication {
    }

    /** Acknowledged by the broker; the watermark now covers it. */
    public record Published() implements Publication {
    }

    /** Not sent: the org already has a result for a newer window ({@code watermark}, epoch millis). */
    public record Superseded(long watermark) implements Publication {
    }

    /** Not sent: another worker is publishing this org right now; try again later. */
    public record Busy(Duration remaining) implements Publication {
    }

    private record BatchCheck(CompletableFuture<long[]> watermarks, long bornNanos) {
    }

    private final ResultSink sink;
    private final Watermarks watermarks;
    private final Duration lockTtl;
    private final LongSupplier nanoTime;
    private final String instance = Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36);
    private final AtomicLong tokens = new AtomicLong();
    private final Map<String, BatchCheck> checks = new ConcurrentHashMap<>();

    public ResultGuard(ResultSink sink, Watermarks watermarks, Duration lockTtl, LongSupplier nanoTime) {
        this.sink = sink;
        this.watermarks = watermarks;
        this.lockTtl = lockTtl;
        this.nanoTime = nanoTime;
    }

    /**
     * The publish lock's TTL for a producer with these settings: {@code max.block.ms} (send() may block
     * that long) + {@code delivery.timeout.ms} (then the callback fires, delivered or failed) + a margin.
     */
    public static Duration lockTtl(Map<String, Object> producerProps) {
        long maxBlock = millis(producerProps, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        long delivery = millis(producerProps, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        return Duration.ofMillis(maxBlock + delivery).plus(LOCK_MARGIN);
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

    /** Publishes unless superseded or busy; completes exceptionally when Redis or the broker failed (retry the org). */
    public CompletableFuture<Publication> publish(ProjectionResult result) {
        long org = result.orgId();
        long end = result.window().end().toEpochMilli();
        String token = instance + "-" + tokens.incrementAndGet();
        long asked = nanoTime.getAsLong();
        return watermarks.claim(org, end, token, lockTtl).thenCompose(claim -> switch (claim) {
            case Watermarks.Stale s -> CompletableFuture.<Publication>completedFuture(new Superseded(s.watermark()));
            case Watermarks.Busy b -> CompletableFuture.<Publication>completedFuture(new Busy(b.remaining()));
            case Watermarks.Held h -> {
                if (nanoTime.getAsLong() - asked > SEND_WITHIN.toNanos()) {
                    // Nothing was sent, so the lock may go now; the org is simply tried again.
                    yield watermarks.advance(org, -1, token).thenApply(x -> new Busy(Duration.ZERO));
                }
                yield sink.publish(result)
                        .thenCompose(x -> advance(org, end, token, asked + lockTtl.toNanos(), 100))
                        .thenApply(x -> new Published());
            }
        });
    }

    /**
     * Records the acknowledged window. Retried while our lock still stands (no other publisher can
     * overtake us meanwhile); failing that the org is retried, which publishes the same window again.
     */
    private CompletableFuture<Void> advance(long org, long end, String token, long lockDeadlineNanos, long delayMs) {
        return watermarks.advance(org, end, token).handle((ours, e) -> {
            if (e == null) {
                if (!ours) {
                    LOG.warn("publish lock of org {} lapsed before its result was acknowledged (lock TTL {}); the watermark "
                            + "is raised anyway", org, lockTtl);
                }
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(delayMs) >= lockDeadlineNanos) {
                return CompletableFuture.<Void>failedFuture(new IllegalStateException(
                        "result of org " + org + " published but its watermark not recorded: " + e, e));
            }
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS))
                    .thenCompose(x -> advance(org, end, token, lockDeadlineNanos, Math.min(ADVANCE_RETRY_MAX_MS, delayMs * 2)));
        }).thenCompose(f -> f);
    }

    @Override
    public void close() {
        watermarks.close();
    }
}
