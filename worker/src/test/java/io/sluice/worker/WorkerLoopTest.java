package io.sluice.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.Window;
import io.sluice.worker.gate.SlotGate;
import io.sluice.embedded.SharedServers;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.worker.sink.OutputRecords;
import io.sluice.worker.sink.ResultGuard;
import io.sluice.worker.sink.Watermarks;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The poll loop's bookkeeping against a {@link MockConsumer}, a scripted slot gate and scripted org
 * work, driven turn by turn on the test thread: what is committed, what is paused, what a revocation
 * cancels, and how the loop waits.
 */
class WorkerLoopTest {
    private static final String TOPIC = "batches";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));

    private final FlakyConsumer consumer = new FlakyConsumer();
    private final ScriptedGate gate = new ScriptedGate();
    private final ScriptedWork work = new ScriptedWork();
    private final TxProducer producer = new TxProducer();
    private final Watermarks watermarks = new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(5),
            SharedServers.uniqueName("loop-results"));
    private final ResultGuard guard = new ResultGuard(watermarks, Duration.ofSeconds(30), System::nanoTime);
    /** Flushes at every turn (interval 0); a failed write backs off at most 300 ms. */
    private final Flusher flusher = new Flusher(consumer, producer, io.sluice.worker.sink.TestResults.guards(guard), true, Duration.ZERO, Duration.ofMillis(300),
            System::nanoTime, new SimpleMeterRegistry());
    /** Added to the loop's clock: a test moves the loop past a long quiet time without waiting for it. */
    private volatile long loopClockAhead;
    private final WorkerLoop loop = new WorkerLoop("w", consumer, TOPIC, gate, work, flusher, "dlt",
            16, Duration.ofSeconds(30), Duration.ofSeconds(1), () -> System.nanoTime() + loopClockAhead, new SimpleMeterRegistry());
    private final ScheduledExecutorService other = Executors.newSingleThreadScheduledExecutor();

    WorkerLoopTest() {
        try (io.sluice.redis.RedisLink r = io.sluice.redis.RedisLink.open(SharedServers.redis().uri(), Duration.ofSeconds(5), null)) {
            r.sync().set(watermarks.epochKey(), "test");   // complete watermarks (an empty results topic)
        }
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        flusher.init();
        loop.subscribe();
    }

    @AfterEach
    void tearDown() {
        other.shutdownNow();
        guard.close();
    }

    private void assign(TopicPartition... partitions) {
        consumer.rebalance(List.of(partitions));
    }

    /** A batch of one org per offset, org id = 1000 × (partition + 1) + offset. */
    private void records(TopicPartition tp, long from, long to) {
        for (long o = from; o < to; o++) {
            Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", o, List.of(1000L * (tp.partition() + 1) + o), WINDOW, Instant.EPOCH);
            consumer.addRecord(new ConsumerRecord<>(TOPIC, tp.partition(), o, b.key().getBytes(), MessageCodec.encode(b)));
        }
    }

    private void turns(int n) {
        for (int i = 0; i < n; i++) {
            loop.loopOnce();
        }
    }

    /** The offset committed for {@code tp}: in a committed transaction, with that transaction's records. */
    private Long committed(TopicPartition tp) {
        Long last = null;
        for (Map<String, Map<TopicPartition, OffsetAndMetadata>> commit : producer.consumerGroupOffsetsHistory()) {
            for (Map<TopicPartition, OffsetAndMetadata> offsets : commit.values()) {
                if (offsets.containsKey(tp)) last = offsets.get(tp).offset();
            }
        }
        return last;
    }

    /** Orgs whose results a {@code read_committed} reader sees, in order. */
    private List<Long> resultOrgs() {
        return producer.history().stream().filter(r -> r.topic().equals("results")).map(r -> Long.parseLong(new String(r.key()))).toList();
    }

    @Test
    void commitsOnlyTheContiguousFinishedPrefix() {
        assign(P0);
        records(P0, 0, 3);
        turns(3);   // fetch, admit, ask
        gate.grantAll();
        assertThat(work.running.keySet()).containsExactlyInAnyOrder(1000L, 1001L, 1002L);

        work.finish(1001);
        work.finish(1002);
        turns(2);
        assertThat(committed(P0)).isNull();   // offset 0 still runs: nothing is committable

        assertThat(resultOrgs()).as("results wait for their batch to join the finished prefix").isEmpty();

        work.finish(1000);
        turns(2);
        assertThat(committed(P0)).isEqualTo(3);
        assertThat(resultOrgs()).as("written with the offset, in one transaction").containsExactly(1000L, 1001L, 1002L);
        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(loop.inFlight()).isZero();
    }

    @Test
    void aFailedTransactionIsAbortedAndWrittenAgainWithNothingLowerEverCommitted() {
        assign(P0);
        records(P0, 0, 2);
        turns(3);
        gate.grantAll();
        producer.commitTransactionException = new KafkaException("coordinator moved");
        work.finish(1000);
        turns(1);
        assertThat(committed(P0)).isNull();                 // that transaction failed
        assertThat(producer.transactionAborted()).isTrue();
        assertThat(resultOrgs()).as("nothing of an aborted transaction is visible").isEmpty();
        producer.commitTransactionException = null;
        turns(1);
        assertThat(committed(P0)).isEqualTo(1);             // written again without anything new finishing
        work.finish(1001);
        turns(2);
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(resultOrgs()).containsExactly(1000L, 1001L);   // each result once
        assertThat(producer.offsetsSent).containsExactly(1L, 1L, 2L);   // offsets only ever went up
    }

    @Test
    void aPoisonRecordsDeadLetterThatCannotBeWrittenKeepsItsOffsetAndTheWorkerUnreadyUntilItIsWritten() {
        assign(P0, P1);
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "k".getBytes(), "not json".getBytes()));
        records(P0, 1, 2);
        records(P1, 0, 1);
        producer.failDeadLetters = new RecordTooLargeException("dead letter with headers is 1100000 bytes");
        turns(3);
        gate.grantAll();
        work.finish(1001);
        work.finish(2000);
        turns(2);
        assertThat(loop.deadLettersHealthy()).isFalse();
        assertThat(flusher.problem()).contains("dead letter for batches-0@0").contains("RecordTooLargeException");
        assertThat(committed(P0)).as("never skipped").isNull();
        assertThat(consumer.paused()).as("a partition whose output fails fetches nothing more").contains(P0);
        assertThat(committed(P1)).as("other partitions go on").isEqualTo(1);
        int attempts = producer.deadLetterAttempts.get();
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1)) {
            loop.loopOnce();
        }
        // 100 ms doubling to 300 ms: a handful of tries in a second, where a tight loop would make hundreds.
        assertThat(producer.deadLetterAttempts.get()).as("backs off, no tight loop").isLessThanOrEqualTo(attempts + 5);

        producer.failDeadLetters = null;   // e.g. the topic's max.message.bytes was raised
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            loop.loopOnce();
            return committed(P0) != null;
        });
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(loop.deadLettersHealthy()).isTrue();
        assertThat(producer.history().stream().filter(r -> r.topic().equals("dlt")).count()).isEqualTo(1);
        assertThat(resultOrgs()).containsExactlyInAnyOrder(2000L, 1001L);
    }

    @Test
    void aPartitionFetchesItsNextRecordsBeforeItsReadyQueueRunsDryAndNotWhileItHoldsEnough() {
        assign(P0, P1);
        records(P0, 0, 30);   // one org per record; max-in-flight 16 goes round-robin: 8 of each partition run
        records(P1, 0, 50);
        turns(3);
        assertThat(loop.inFlight()).isEqualTo(16);   // P0 keeps 22 ready, P1 42; REFILL_BELOW is 32
        assertThat(PartitionWork.REFILL_BELOW).isEqualTo(32);
        // Each partition keeps what it fetched; the one running low fetches on, the one holding plenty does not.
        assertThat(consumer.paused()).as("P1 holds at least REFILL_BELOW orgs ready").contains(P1);
        assertThat(consumer.paused()).as("P0 is down to its last orgs: its next records come while they run").doesNotContain(P0);
    }

    @Test
    void aRefusedPartitionIsPausedAndThePauseIsReappliedAfterAnAssignment() {
        assign(P0, P1);
        records(P0, 0, 1);
        turns(3);
        gate.refuseAll();           // the pool is full: the org waits in its queue, the partition pauses
        turns(2);
        assertThat(consumer.paused()).contains(P0).doesNotContain(P1);
        assertThat(loop.pausedPartitions()).isEqualTo(1);

        consumer.resume(List.of(P0));   // what a consumer that lost track of the pause would do
        assign(P0, P1);                 // a rebalance keeps both partitions
        assertThat(consumer.paused()).contains(P0);   // our state, re-applied
    }

    @Test
    void revocationWithdrawsThatPartitionsTicketsLetsItsRunningQueriesEndUnderTheirSlotsAndWritesItsFinishedWork() {
        assign(P0, P1);
        records(P0, 0, 3);
        records(P1, 0, 1);
        turns(3);
        gate.grant(1000, 1001, 2000);   // offsets 0 and 1 of P0 and offset 0 of P1 run
        gate.refuseAll();               // offset 2 of P0 waits in the pool's queue
        turns(2);
        List<ScriptedGate.Ask> waiting = gate.pending();
        assertThat(waiting).hasSize(1).allMatch(a -> !a.maxWait().isZero());
        CompletableFuture<OrgOutcome> query1 = work.running.get(1001L);

        work.finish(1000);         // reported, but not yet seen by the poll thread
        assign(P1);                // P0 goes to another member

        assertThat(waiting).allMatch(a -> a.answer().isCancelled());   // its ticket left the pool's queue
        assertThat(committed(P0)).isEqualTo(1);   // its finished prefix, drained and committed on revoke
        assertThat(resultOrgs()).containsExactly(1000L);   // with its result, in the same transaction
        // The running query is not aborted: the downstream would run it to its end anyway, so its slot is
        // held until then (giving it back now would let the new owner's query exceed the cap).
        assertThat(query1).isNotDone();
        assertThat(gate.released.get()).isEqualTo(1);                    // only the finished org's slot
        work.finish(1001);
        turns(2);
        assertThat(gate.released.get()).isEqualTo(2);                    // released when it ended
        assertThat(resultOrgs()).as("the revoked partition's late result is dropped").containsExactly(1000L);
        assertThat(loop.inFlight()).isEqualTo(1);                        // only P1's org is left
        assertThat(work.running).containsOnlyKeys(2000L);
    }

    @Test
    void withEveryPartitionPausedTheLoopWaitsForItsOwnEventsNotInsidePoll() throws Exception {
        assign(P0);
        records(P0, 0, 1);
        turns(3);
        gate.refuseAll();
        turns(2);
        assertThat(consumer.paused()).containsExactly(P0);

        long t0 = System.nanoTime();
        loop.loopOnce();
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(consumer.lastPollTimeout()).isEqualTo(Duration.ZERO);   // never blocks inside the consumer
        assertThat(waitedMs).isGreaterThanOrEqualTo(900);                   // but waits for the next due event, up to 1 s

        // An event (here: the pool hands over a slot) ends the wait at once.
        other.schedule(() -> gate.grantAll(), 100, TimeUnit.MILLISECONDS);
        t0 = System.nanoTime();
        loop.loopOnce();
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(50L, 400L);
    }

    @Test
    void withNothingToFetchTheLoopLooksEvery100msForAWhileThenLessOftenAndStillSeesNewRecords() {
        assign(P0);   // caught up: nothing paused, nothing to fetch
        turns(1);
        // Within FetchCheck.HOLD of the assignment (or of the last records) the loop keeps looking every 100 ms,
        // so a batch published now is seen at once, not after a second-long idle wait.
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            loop.loopOnce();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("empty look %d, ms", i).isLessThan(300);
        }
        records(P0, 0, 1);
        long seen = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).until(() -> {
            loop.loopOnce();
            return loop.inFlight() == 1;   // fetched and dispatched
        });
        assertThat((System.nanoTime() - seen) / 1_000_000).as("a batch to a worker in a run is seen within, ms").isLessThan(400);

        // Nothing more for longer than the hold (an idle worker between runs): each look that finds nothing
        // doubles the wait (200, 400, 800 ms), up to 1 s, so it turns once a second and wakes the consumer's
        // background thread as rarely.
        loopClockAhead += FetchCheck.HOLD.toNanos();
        long longest = 0;
        for (int i = 0; i < 6 && longest < 900; i++) {
            long t0 = System.nanoTime();
            loop.loopOnce();
            longest = Math.max(longest, (System.nanoTime() - t0) / 1_000_000);
        }
        assertThat(longest).as("longest idle wait within six turns, ms").isGreaterThanOrEqualTo(900);
        assertThat(consumer.lastPollTimeout()).isEqualTo(Duration.ZERO);   // still never blocks inside the consumer

        records(P0, 1, 2);   // a new batch: seen within the longest wait
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).until(() -> {
            loop.loopOnce();
            return loop.inFlight() == 2;
        });
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
    }

    @Test
    void eventsNeverWakeTheConsumerAndWakeUpsAreBatched() throws Exception {
        assign(P0);
        records(P0, 0, 1);
        turns(3);
        gate.refuseAll();   // the partition pauses: the next turn parks up to 1 s
        turns(2);
        AtomicInteger ran = new AtomicInteger();
        Thread turn = Thread.ofPlatform().start(loop::loopOnce);   // parks: nothing to do
        await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(2)).until(() -> turn.getState() == Thread.State.TIMED_WAITING);
        for (int i = 0; i < 1_000; i++) {
            loop.post(ran::incrementAndGet);
        }
        assertThat(turn.join(Duration.ofSeconds(5))).isTrue();
        turns(1);
        assertThat(ran.get()).isEqualTo(1_000);
        assertThat(consumer.wakeups.get()).isZero();      // no selector wake-up and WakeupException per event
        assertThat(loop.wakeups()).isLessThanOrEqualTo(1);   // one unpark for the whole burst
    }

    // ---- fakes ----------------------------------------------------------------------------

    private static final class FlakyConsumer extends MockConsumer<byte[], byte[]> {
        final AtomicInteger wakeups = new AtomicInteger();

        @Override
        public synchronized void wakeup() {
            wakeups.incrementAndGet();
            super.wakeup();
        }

        FlakyConsumer() {
            super("earliest");
        }

    }

    /**
     * A transactional {@link MockProducer} that can fail the dead letters' sends the way a real producer
     * does (the callback gets the error, then the commit fails) and records every offset it was given.
     */
    private static final class TxProducer extends MockProducer<byte[], byte[]> {
        volatile RuntimeException failDeadLetters;
        final AtomicInteger deadLetterAttempts = new AtomicInteger();
        final List<Long> offsetsSent = new CopyOnWriteArrayList<>();
        private boolean failed;

        TxProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            if (record.topic().equals("dlt")) {
                deadLetterAttempts.incrementAndGet();
                RuntimeException e = failDeadLetters;
                if (e != null) {
                    failed = true;
                    callback.onCompletion(null, e);
                    return CompletableFuture.failedFuture(e);
                }
            }
            return super.send(record, callback);
        }

        @Override
        public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             org.apache.kafka.clients.consumer.ConsumerGroupMetadata group) {
            offsets.values().forEach(o -> offsetsSent.add(o.offset()));
            super.sendOffsetsToTransaction(offsets, group);
        }

        @Override
        public void commitTransaction() {
            if (failed) {
                throw new KafkaException("Cannot execute transactional method because we are in an error state");
            }
            super.commitTransaction();
        }

        @Override
        public void abortTransaction() {
            failed = false;
            super.abortTransaction();
        }
    }

    /** A slot gate whose answers the test gives. */
    static final class ScriptedGate implements SlotGate {
        record Ask(String owner, Duration maxWait, CompletableFuture<Result> answer) {
            long org() {
                return Long.parseLong(owner.substring(owner.lastIndexOf("org-") + 4));
            }
        }

        final List<Ask> asks = new CopyOnWriteArrayList<>();
        final AtomicInteger released = new AtomicInteger();

        @Override
        public CompletableFuture<Result> acquire(String owner, Duration maxWait) {
            Ask a = new Ask(owner, maxWait, new CompletableFuture<>());
            asks.add(a);
            return a.answer();
        }

        List<Ask> pending() {
            return asks.stream().filter(a -> !a.answer().isDone()).toList();
        }

        void grant(long... orgs) {
            for (long org : orgs) {
                pending().stream().filter(a -> a.org() == org).forEach(a -> a.answer().complete(new Granted(permit())));
            }
        }

        void grantAll() {
            pending().forEach(a -> a.answer().complete(new Granted(permit())));
        }

        /** Immediate asks are refused; the loop then asks again to wait in the queue. */
        void refuseAll() {
            pending().stream().filter(a -> a.maxWait().isZero())
                    .forEach(a -> a.answer().complete(new Refused("full", Duration.ofSeconds(1))));
        }

        private Permit permit() {
            return new Permit() {
                final CompletableFuture<Void> lost = new CompletableFuture<>();
                boolean done;

                @Override
                public CompletableFuture<?> lost() {
                    return lost;
                }

                @Override
                public void releaseAfter(Duration after) {
                    release();
                }

                @Override
                public synchronized void release() {
                    if (!done) {
                        done = true;
                        released.incrementAndGet();
                    }
                }
            };
        }

        @Override
        public void close() {
        }
    }

    /** Org work that runs until the test finishes it; keyed by org id. */
    static final class ScriptedWork implements OrgWork {
        final Map<Long, CompletableFuture<OrgOutcome>> running = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<OrgOutcome> admit(OrgTask task) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<OrgOutcome> process(OrgTask task, SlotGate.Permit permit) {
            CompletableFuture<OrgOutcome> f = new CompletableFuture<>();
            running.put(task.orgId(), f);
            f.whenComplete((x, e) -> {
                permit.release();
                running.remove(task.orgId(), f);
            });
            return f;
        }

        /** The org's query ended: its result waits to be written with its batch's offset. */
        void finish(long org) {
            ProjectionResult r = new ProjectionResult(1, "r", org, WINDOW, List.of(), Instant.EPOCH);
            running.get(org).complete(new OrgOutcome.Write(new Output(io.sluice.worker.sink.TestResults.record("results", r), io.sluice.worker.sink.TestResults.stamp(r), Output.PROJECTED)));
        }

        @Override
        public int abandonAll() {
            running.values().forEach(f -> f.cancel(true));
            return running.size();
        }
    }
}
