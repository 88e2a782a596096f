package io.sluice.worker;

import io.sluice.worker.sink.DeadLetterSink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A dead letter that cannot be written is retried with back-off, never in a tight loop, and never skipped. */
class PoisonLettersTest {
    private static final TopicPartition TP = new TopicPartition("batches", 3);
    private final FailingProducer producer = new FailingProducer();
    private final PartitionWork work = new PartitionWork(TP, 1);
    private final ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("batches", 3, 42, new byte[]{1}, new byte[]{'x'});

    /** The poll thread, played by a lock: events run one at a time, as on the real loop. */
    private synchronized void onPollThread(Runnable r) {
        r.run();
    }

    @Test
    void aRetriableFailureIsRetriedWithBackOffNotInATightLoop() {
        producer.failures.set(3);
        producer.error = new NotEnoughReplicasException("min.insync.replicas not met");
        PoisonLetters letters = new PoisonLetters(new DeadLetterSink(producer, "dlt"), this::onPollThread);
        work.addSingle(42);
        long t0 = System.nanoTime();
        synchronized (this) {
            letters.send(work, record, "not JSON");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> work.offsets.committable().isPresent());
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(producer.sends.get()).isEqualTo(4);                // 3 failures, then the write
        assertThat(elapsedMs).isGreaterThanOrEqualTo(100 + 200 + 400); // the back-off was waited
        assertThat(work.offsets.committable().getAsLong()).isEqualTo(43);
        assertThat(letters.problem()).isNull();
    }

    @Test
    void aNonRetriableFailureMakesTheWorkerUnreadyNamingTheRecordAndKeepsIt() {
        producer.failures.set(Integer.MAX_VALUE);
        producer.error = new RecordTooLargeException("The message is 1048700 bytes when serialized which is larger than 1048576");
        PoisonLetters letters = new PoisonLetters(new DeadLetterSink(producer, "dlt"), this::onPollThread, Duration.ofMillis(300));
        work.addSingle(42);
        synchronized (this) {
            letters.send(work, record, "not JSON");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> letters.problem() != null);
        assertThat(letters.problem()).contains("batches-3@42").contains("RecordTooLargeException");
        int before = producer.sends.get();
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.sends.get() >= before + 3);
        // Three more attempts took at least two back-offs of 300 ms: retried, not spun.
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(2 * 300);
        assertThat(work.offsets.committable()).isEmpty();   // not skipped

        producer.failures.set(0);   // the ACL or the topic config was fixed
        await().atMost(Duration.ofSeconds(5)).until(() -> work.offsets.committable().isPresent());
        assertThat(letters.problem()).isNull();
    }

    private static final class FailingProducer extends MockProducer<byte[], byte[]> {
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger sends = new AtomicInteger();
        volatile RuntimeException error;

        FailingProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
            sends.incrementAndGet();
            if (failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                callback.onCompletion(null, error);
                return CompletableFuture.failedFuture(error);
            }
            return super.send(r, callback);
        }
    }
}
