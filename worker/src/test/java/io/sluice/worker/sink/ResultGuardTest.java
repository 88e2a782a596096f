package io.sluice.worker.sink;

import io.sluice.embedded.FreePorts;
import io.sluice.embedded.SharedServers;
import io.sluice.messages.Batch;
import io.sluice.messages.MessageCodec;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.messages.Window;
import io.sluice.redis.RedisLink;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The publish protocol against a real Redis (the shared one), with the broker replaced by
 * {@link MockProducer} so a test decides when a send is acknowledged: two publishers of one org
 * with different windows, at the same time.
 */
class ResultGuardTest {
    static final Window TODAY = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    static final Window LAST_WEEK = new Window(TODAY.start().minus(7, ChronoUnit.DAYS), TODAY.end().minus(7, ChronoUnit.DAYS));

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final String topic = SharedServers.uniqueName("wm");
    private final Map<ResultGuard, MockProducer<byte[], byte[]>> producers = new java.util.IdentityHashMap<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) c.close();
    }

    private static MockProducer<byte[], byte[]> manualAcks() {
        return new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** One worker's guard: its own Redis connection and instance tokens, publishing through {@code producer}. */
    private ResultGuard guard(MockProducer<byte[], byte[]> producer, Duration lockTtl) {
        Watermarks w = new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(2), topic);
        try (RedisLink r = RedisLink.open(SharedServers.redis().uri(), Duration.ofSeconds(5), null)) {
            r.sync().setnx(w.epochKey(), "test");   // the watermarks are complete (WatermarkRebuildTest covers their loss)
        }
        // Connected before the test's clock starts (a first connect on a loaded machine may take a while; it is retried).
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> w.read(List.of(0L)).get().length == 1);
        ResultGuard g = new ResultGuard(w, lockTtl, System::nanoTime);
        closing.add(g);
        producers.put(g, producer);
        return g;
    }

    sealed interface Publication {
    }

    record Published() implements Publication {
    }

    record Superseded(long watermark) implements Publication {
    }

    record Busy() implements Publication {
    }

    record Duplicate() implements Publication {
    }

    /**
     * What a flush does for one result: claim its org; stale or busy: nothing is sent; else send, await
     * the broker's ack (the transaction's commit in the worker) and settle the watermark.
     */
    private CompletableFuture<Publication> publish(ResultGuard g, ProjectionResult r) {
        MockProducer<byte[], byte[]> p = producers.get(g);
        return g.claim(List.of(TestResults.stamp(r))).thenCompose(c -> {
            if (c.busy()) return CompletableFuture.<Publication>completedFuture(new Busy());
            if (c.duplicate(0)) return CompletableFuture.<Publication>completedFuture(new Duplicate());
            if (c.stale(0)) {
                return CompletableFuture.<Publication>completedFuture(new Superseded(((Watermarks.Stale) c.answers().get(0)).watermark()));
            }
            CompletableFuture<Void> acked = new CompletableFuture<>();
            p.send(io.sluice.worker.sink.TestResults.record(topic, r), (md, e) -> {
                if (e != null) acked.completeExceptionally(e);
                else acked.complete(null);
            });
            return acked.thenCompose(x -> g.settle(c)).thenApply(x -> new Published());
        });
    }

    /** The answer, which must come within seconds: a publish waiting on an ack that never comes fails the test. */
    private static <T> T answer(CompletableFuture<T> f) {
        return f.orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static ResultStamp stamp(long org, Window w) {
        return TestResults.stamp(result(org, w));
    }

    private static ProjectionResult result(long org, Window w) {
        return new ProjectionResult(1, "r", org, w, List.of(), Instant.now());
    }

    private static Instant windowEnd(ProducerRecord<byte[], byte[]> r) {
        try {
            return io.sluice.jobs.spike.ProjectionCodec.decode(r.value()).window().end();
        } catch (io.sluice.job.BadAnswerException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anOlderWindowIsSupersededByANewerOneStillInFlight() {
        MockProducer<byte[], byte[]> daily = manualAcks();
        MockProducer<byte[], byte[]> backfill = manualAcks();
        ResultGuard dailyWorker = guard(daily, Duration.ofSeconds(30));
        ResultGuard backfillWorker = guard(backfill, Duration.ofSeconds(30));

        CompletableFuture<Publication> today = publish(dailyWorker, result(1, TODAY));
        await().atMost(Duration.ofSeconds(30)).until(() -> daily.history().size() == 1);   // sent, not acknowledged
        assertThat(answer(publish(backfillWorker, result(1, LAST_WEEK)))).as("today's mark is raised before its commit")
                .isEqualTo(new Superseded(TODAY.end().toEpochMilli()));

        assertThat(daily.completeNext()).isTrue();
        assertThat(answer(today)).isInstanceOf(Published.class);
        assertThat(answer(publish(backfillWorker, result(1, LAST_WEEK))))
                .isEqualTo(new Superseded(TODAY.end().toEpochMilli()));
        assertThat(backfill.history()).as("the older window was never sent").isEmpty();
    }

    @Test
    void aNewerWindowWaitsForAnOlderOneInFlightAndThenBecomesTheLatest() {
        MockProducer<byte[], byte[]> backfill = manualAcks();
        MockProducer<byte[], byte[]> daily = manualAcks();
        ResultGuard backfillWorker = guard(backfill, Duration.ofSeconds(30));
        ResultGuard dailyWorker = guard(daily, Duration.ofSeconds(30));

        CompletableFuture<Publication> lastWeek = publish(backfillWorker, result(2, LAST_WEEK));
        await().atMost(Duration.ofSeconds(30)).until(() -> backfill.history().size() == 1);
        assertThat(answer(publish(dailyWorker, result(2, TODAY)))).isInstanceOf(Busy.class);

        assertThat(backfill.completeNext()).isTrue();
        assertThat(answer(lastWeek)).isInstanceOf(Published.class);
        CompletableFuture<Publication> today = publish(dailyWorker, result(2, TODAY));
        await().atMost(Duration.ofSeconds(30)).until(() -> daily.history().size() == 1);
        assertThat(daily.completeNext()).isTrue();
        assertThat(answer(today)).isInstanceOf(Published.class);
    }

    @Test
    void theSameWindowIsWrittenOnceButOneWhoseCommitWasNeverConfirmedMayBeWrittenAgain() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        ResultGuard a = guard(p, Duration.ofSeconds(3));
        ResultGuard b = guard(p, Duration.ofSeconds(3));
        assertThat(answer(publish(a, result(3, TODAY)))).isInstanceOf(Published.class);
        assertThat(answer(publish(b, result(3, TODAY)))).as("a re-published batch").isInstanceOf(Duplicate.class);
        Batch again = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", 0, List.of(3L), TODAY, Instant.now());
        assertThat(b.supersededBy("p0@9", again, 3).join()).as("not even queried").hasValue(TODAY.end().toEpochMilli());
        assertThat(p.history()).hasSize(1);

        // a claims org 33 and dies after its commit, before confirming: the mark stays pending.
        answer(a.claim(List.of(stamp(33, TODAY))));
        Batch pending = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", 0, List.of(33L), TODAY, Instant.now());
        assertThat(b.supersededBy("p0@10", pending, 33).join()).as("unconfirmed: may run again").isEmpty();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> answer(publish(b, result(33, TODAY))) instanceof Published);
    }

    @Test
    void aMarkLeftPendingByACrashAfterTheCommitSupersedesOlderWindows() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        ResultGuard a = guard(p, Duration.ofSeconds(3));
        ResultGuard b = guard(p, Duration.ofSeconds(3));
        answer(a.claim(List.of(stamp(40, TODAY))));   // committed, then a died before settling
        Batch replay = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-old", 0, List.of(40L), LAST_WEEK, Instant.now());
        assertThat(b.supersededBy("p0@11", replay, 40).join()).as("skipped early").hasValue(TODAY.end().toEpochMilli());
        assertThat(answer(publish(b, result(40, LAST_WEEK)))).as("superseded at publish time, even locked")
                .isEqualTo(new Superseded(TODAY.end().toEpochMilli()));
        assertThat(p.history()).isEmpty();
    }

    @Test
    void aClaimThatWroteNothingIsReleasedAtOnceButOneWhoseHolderDiedLapsesOnItsOwn() throws Exception {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        ResultGuard a = guard(p, Duration.ofSeconds(3));
        ResultGuard b = guard(p, Duration.ofSeconds(3));

        ResultGuard.Claim aborted = answer(a.claim(List.of(stamp(4, TODAY))));
        assertThat(answer(publish(b, result(4, LAST_WEEK)))).as("today's mark, pending").isInstanceOf(Superseded.class);
        assertThat(answer(b.claim(List.of(stamp(4, TODAY)))).busy()).as("held by a's flush").isTrue();
        answer(a.release(aborted));   // a's transaction aborted: nothing of it is visible, the mark goes back
        assertThat(answer(publish(b, result(4, LAST_WEEK)))).isInstanceOf(Published.class);

        answer(a.claim(List.of(stamp(4, TODAY))));   // and a dies before committing or aborting
        assertThat(answer(publish(b, result(4, LAST_WEEK)))).as("today's mark, pending, is newer")
                .isInstanceOf(Superseded.class);
        ResultGuard.Claim sameWindow = answer(b.claim(List.of(stamp(4, TODAY))));
        assertThat(sameWindow.busy()).as("a's lock holds the same window until it lapses").isTrue();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> answer(publish(b, result(4, TODAY))) instanceof Published);
    }

    @Test
    void aFlushThatMustWaitForOneOrgTakesNoLockAtAll() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        ResultGuard a = guard(p, Duration.ofSeconds(30));
        ResultGuard b = guard(p, Duration.ofSeconds(30));
        answer(a.claim(List.of(stamp(30, TODAY))));
        ResultGuard.Claim waits = answer(b.claim(List.of(stamp(31, TODAY), stamp(30, TODAY), stamp(32, TODAY))));
        assertThat(waits.busy()).isTrue();
        assertThat(answer(publish(a, result(31, TODAY)))).as("31 was not taken by b's claim").isInstanceOf(Published.class);
        assertThat(answer(publish(a, result(32, TODAY)))).isInstanceOf(Published.class);
    }

    @Test
    void concurrentPublishersOfOneOrgNeverPublishAnOlderWindowAfterANewerOne() throws Exception {
        MockProducer<byte[], byte[]> broker = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        List<ResultGuard> workers = List.of(guard(broker, Duration.ofSeconds(30)), guard(broker, Duration.ofSeconds(30)),
                guard(broker, Duration.ofSeconds(30)), guard(broker, Duration.ofSeconds(30)));
        List<Window> windows = new ArrayList<>();
        for (int d = 0; d < 40; d++) {
            windows.add(new Window(TODAY.start().minus(d, ChronoUnit.DAYS), TODAY.end().minus(d, ChronoUnit.DAYS)));
        }
        Collections.shuffle(windows, new java.util.Random(42));
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < windows.size(); i++) {
                ResultGuard g = workers.get(i % workers.size());
                Window w = windows.get(i);
                done.add(pool.submit(() -> {
                    while (answer(publish(g, result(5, w))) instanceof Busy) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));   // back-off between tries
                    }
                }));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        }
        List<Instant> published = broker.history().stream().map(ResultGuardTest::windowEnd).toList();
        assertThat(published).as("window ends in the order they reached the topic").isSorted();
        assertThat(published.getLast()).isEqualTo(TODAY.end());
    }

    @Test
    void oneRoundTripPerBatchTellsWhichOrgsAreSuperseded() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        ResultGuard g = guard(p, Duration.ofSeconds(30));
        for (long org = 10; org <= 12; org++) {
            assertThat(answer(publish(g, result(org, TODAY)))).isInstanceOf(Published.class);
        }
        Batch replay = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-old", 0, List.of(10L, 11L, 12L, 13L), LAST_WEEK, Instant.now());
        assertThat(g.supersededBy("p0@1", replay, 10).join()).hasValue(TODAY.end().toEpochMilli());
        assertThat(g.supersededBy("p0@1", replay, 12).join()).hasValue(TODAY.end().toEpochMilli());
        assertThat(g.supersededBy("p0@1", replay, 13).join()).as("no result yet").isEmpty();
        Batch today = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-new", 0, List.of(10L, 13L), TODAY, Instant.now());
        assertThat(g.supersededBy("p0@2", today, 10).join()).as("same window, committed").hasValue(TODAY.end().toEpochMilli());
        assertThat(g.supersededBy("p0@2", today, 13).join()).as("no result yet").isEqualTo(OptionalLong.empty());
    }

    @Test
    void withRedisUnreachableNothingIsPublishedAndEveryCallFails() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        Watermarks nowhere = new Watermarks("redis://127.0.0.1:" + FreePorts.pick(), Duration.ofMillis(500), topic);
        ResultGuard g = new ResultGuard(nowhere, Duration.ofSeconds(30), System::nanoTime);
        closing.add(g);
        producers.put(g, p);
        Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", 0, List.of(20L), TODAY, Instant.now());
        assertThatThrownBy(() -> g.supersededBy("p0@3", b, 20).join()).isNotNull();
        assertThatThrownBy(() -> answer(publish(g, result(20, TODAY)))).isNotNull();
        assertThat(p.history()).as("fail closed: nothing published unchecked").isEmpty();
    }

    @Test
    void theLockOutlivesEverythingTheProducerMayStillDeliver() {
        assertThat(ResultGuard.lockTtl(Map.of())).as("defaults: 60 s max.block.ms + 120 s delivery.timeout.ms + margin")
                .isEqualTo(Duration.ofSeconds(195));
        assertThat(ResultGuard.lockTtl(Map.of("max.block.ms", "1000", "delivery.timeout.ms", "30000")))
                .isEqualTo(Duration.ofSeconds(46));
        assertThat(ResultGuard.lockTtl(Map.of("max.block.ms", "1000", "delivery.timeout.ms", "30000",
                "transactional.id", "t", "transaction.timeout.ms", "90000")))
                .as("a transaction may stay open until the broker aborts it").isEqualTo(Duration.ofSeconds(106));
    }
}
