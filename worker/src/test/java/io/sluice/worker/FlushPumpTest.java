package io.sluice.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.Window;
import io.sluice.worker.sink.ResultGuard;
import io.sluice.worker.sink.Watermarks;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A periodic flush that waits on the broker's commit does not hold the poll loop: meanwhile finished orgs
 * are counted out of flight and the next orgs ask for their slots, so the pool's queue keeps tickets and
 * the downstream stays full (a commit of a few hundred ms on a busy machine used to empty it).
 */
class FlushPumpTest {
    private static final String TOPIC = "batches";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final WorkerLoopTest.ScriptedGate gate = new WorkerLoopTest.ScriptedGate();
    private final WorkerLoopTest.ScriptedWork work = new WorkerLoopTest.ScriptedWork();
    private final SlowCommits producer = new SlowCommits();
    private final Watermarks watermarks = new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(5),
            SharedServers.uniqueName("pump-results"));
    private final ResultGuard guard = new ResultGuard(watermarks, Duration.ofSeconds(30), System::nanoTime);
    private final Flusher flusher = new Flusher(consumer, producer, io.sluice.worker.sink.TestResults.guards(guard), true, Duration.ZERO, Duration.ofMillis(300),
            System::nanoTime, new SimpleMeterRegistry());
    /** One org in flight at a time: the next one can only start once the loop has counted the last one out. */
    private final WorkerLoop loop = new WorkerLoop("w", consumer, TOPIC, gate, work, flusher, "dlt",
            1, Duration.ofSeconds(30), Duration.ofSeconds(1), System::nanoTime, new SimpleMeterRegistry());

    FlushPumpTest() {
        try (io.sluice.redis.RedisLink r = io.sluice.redis.RedisLink.open(SharedServers.redis().uri(), Duration.ofSeconds(5), null)) {
            r.sync().set(watermarks.epochKey(), "test");   // complete watermarks (an empty results topic)
        }
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        flusher.init();
        loop.subscribe();
        consumer.rebalance(List.of(P0));
        for (long o = 0; o < 3; o++) {
            Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", o, List.of(1000 + o), WINDOW, Instant.EPOCH);
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, o, b.key().getBytes(), MessageCodec.encode(b)));
        }
    }

    @AfterEach
    void tearDown() {
        producer.commits.countDown();
        guard.close();
    }

    @Test
    void orgsFinishAndTheNextAskForSlotsWhileACommitWaits() throws Exception {
        for (int i = 0; i < 3 && work.running.isEmpty(); i++) {
            loop.loopOnce();   // fetch, admit, ask
            gate.grantAll();
        }
        assertThat(work.running.keySet()).containsExactly(1000L);

        producer.slow = true;
        work.finish(1000);
        Thread turn = Thread.ofPlatform().name("poll-thread").start(loop::loopOnce);   // counts 1000 out, dispatches 1001, flushes offset 1
        assertThat(producer.entered.await(10, TimeUnit.SECONDS)).as("the flush reached the commit").isTrue();

        // The commit has not returned; the loop still hands out work.
        await().atMost(Duration.ofSeconds(5)).until(() -> !gate.pending().isEmpty());
        gate.grantAll();
        await().atMost(Duration.ofSeconds(5)).until(() -> work.running.containsKey(1001L));
        work.finish(1001);
        await("1001 counted out and 1002 asking, the commit still waiting").atMost(Duration.ofSeconds(5))
                .until(() -> gate.pending().stream().anyMatch(a -> a.org() == 1002));
        assertThat(producer.commitCount()).isZero();
        assertThat(turn.isAlive()).as("still inside that one turn's flush").isTrue();

        producer.commits.countDown();
        turn.join(10_000);
        assertThat(turn.isAlive()).isFalse();
        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(loop.inFlight()).isEqualTo(1);   // 1002 asking
    }

    /** A transactional producer whose commits, once {@link #slow}, wait until {@link #commits} opens. */
    private static final class SlowCommits extends MockProducer<byte[], byte[]> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch commits = new CountDownLatch(1);
        volatile boolean slow;

        SlowCommits() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public void commitTransaction() {
            if (slow) {
                entered.countDown();
                try {
                    commits.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.commitTransaction();
        }
    }
}
