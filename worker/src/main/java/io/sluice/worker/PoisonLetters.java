package io.sluice.worker;

import io.sluice.messages.DeadLetterHeaders.Reason;
import io.sluice.worker.sink.DeadLetterSink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Dead-letters poison records, retrying a failed write with exponential back-off (100 ms doubling
 * to 30 s) instead of at once, so a write that cannot succeed never spins the poll thread. While a
 * write fails with a non-retriable error (record too large once headers are added, a missing ACL,
 * an invalid topic) the worker is unready, and {@link #problem()} names the record; the record is
 * never skipped: its offset stays uncommitted and the write keeps being retried at the longest back-off.
 */
final class PoisonLetters {
    private static final Logger LOG = LoggerFactory.getLogger(PoisonLetters.class);
    static final Duration FIRST = Duration.ofMillis(100);
    static final Duration MAX = Duration.ofSeconds(30);

    private final DeadLetterSink sink;
    private final Consumer<Runnable> post;
    private final Duration max;
    /** Records whose dead letter failed non-retriably, with the error: what keeps the worker unready. */
    private final Map<String, String> stuck = new ConcurrentHashMap<>();

    PoisonLetters(DeadLetterSink sink, Consumer<Runnable> post) {
        this(sink, post, MAX);
    }

    /** With a shorter longest back-off, for tests. */
    PoisonLetters(DeadLetterSink sink, Consumer<Runnable> post, Duration max) {
        this.sink = sink;
        this.post = post;
        this.max = max;
    }

    void send(PartitionWork w, ConsumerRecord<byte[], byte[]> record, String error) {
        send(w, record, error, 0);
    }

    private void send(PartitionWork w, ConsumerRecord<byte[], byte[]> record, String error, int attempt) {
        String where = w.partition + "@" + record.offset();
        sink.send(record.key(), record.value(), Reason.POISON, record.topic(), record.partition(), record.offset(), error)
                .whenComplete((x, e) -> post.accept(() -> {
                    if (e == null) {
                        if (stuck.remove(where) != null) {
                            LOG.info("dead letter for {} written after {} attempts", where, attempt + 1);
                        }
                        w.orgFinished(record.offset());
                        return;
                    }
                    if (!w.active) {
                        return;   // revoked: the new owner reads the record again
                    }
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                    Duration delay = delay(attempt, max);
                    if (!(cause instanceof RetriableException)) {
                        if (stuck.put(where, cause.toString()) == null) {
                            LOG.error("dead letter for poison record {} cannot be written: {}; the worker is unready and "
                                    + "retries every {} (the record is kept, its offset is not committed)", where, cause, max);
                        }
                        delay = max;
                    } else {
                        LOG.warn("dead letter for {} not sent ({}); retrying in {}", where, cause.toString(), delay);
                    }
                    CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS)
                            .execute(() -> post.accept(() -> {
                                if (w.active) {
                                    send(w, record, error, attempt + 1);
                                }
                            }));
                }));
    }

    static Duration delay(int attempt, Duration max) {
        long ms = FIRST.toMillis() << Math.min(attempt, 20);
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }

    /** Null while every dead letter could be written; else which record is stuck and why. */
    String problem() {
        return stuck.entrySet().stream().findFirst().map(e -> "dead letter for " + e.getKey() + " cannot be written: "
                + e.getValue()).orElse(null);
    }
}
