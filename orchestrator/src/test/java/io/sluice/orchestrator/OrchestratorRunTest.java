package io.sluice.orchestrator;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.ledger.InMemoryRunLedger;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Window;
import io.sluice.orgs.RangeOrgSource;
import io.sluice.pacing.MockSleeper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The run's logic against an in-memory ledger, a recording sink and a mock clock: no servers, no waiting. */
class OrchestratorRunTest {
    private static final long S = Duration.ofSeconds(1).toNanos();
    private final MockClock clock = new MockClock();
    private final InMemoryRunLedger ledger = new InMemoryRunLedger();
    private final RecordingSink sink = new RecordingSink(clock);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SluiceConfig config = TestConfigs.config("orchestrator.pacing", "2s");

    private OrchestratorRun run(String runId, long first, long last) {
        return run(runId, first, last, false, sink);
    }

    private OrchestratorRun run(String runId, long first, long last, boolean force, BatchSink to) {
        return OrchestratorRun.builder(config, new RangeOrgSource(first, last))
                .runId(runId).force(force)
                .ledger(c -> new NonClosingLedger(ledger))
                .sink(id -> to)
                .backlogProbe(id -> Backlog.Probe.NONE)
                .clock(clock).sleeper(new MockSleeper(clock)).registry(registry)
                .progress(ProgressReporter.none())
                .build();
    }

    @Test
    void publishesEveryBatchOnTheGridAndFinishes() {
        long t0 = clock.monotonicTime();
        RunResult r = run("r-grid", 1, 1_001).run();

        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(r.exitCode()).isZero();
        assertThat(r.batchesTotal()).isEqualTo(41);   // 40 × 25 + 1 × 1
        assertThat(sink.seqs()).containsExactlyElementsOf(LongStream.range(0, 41).boxed().toList());
        for (int k = 0; k < sink.sent.size(); k++) {
            assertThat(sink.sent.get(k).atNanos()).isEqualTo(t0 + k * 2 * S);
        }
        assertThat(ledger.find("r-grid")).get().satisfies(rec -> {
            assertThat(rec.status()).isEqualTo(RunStatus.FINISHED);
            assertThat(rec.lastAckedSeq()).isEqualTo(40);
            assertThat(rec.total()).isEqualTo(41);
        });
        assertThat(registry.get(OrchestratorMetrics.BATCHES_PUBLISHED).counter().count()).isEqualTo(41);
        assertThat(registry.get(OrchestratorMetrics.RUN_PROGRESS).gauge().value()).isEqualTo(1.0);
    }

    @Test
    void aSlowSendDoesNotShiftLaterOnes() {
        long t0 = clock.monotonicTime();
        sink.onSend.put(3L, b -> clock.add(3, TimeUnit.SECONDS));   // sent at 6 s, acked at 9 s
        run("r-slow", 1, 250).run();
        List<Long> at = sink.sent.stream().map(s -> (s.atNanos() - t0) / S).toList();
        assertThat(at).containsExactly(0L, 2L, 4L, 6L, 9L, 10L, 12L, 14L, 16L, 18L);
    }

    @Test
    void aStoppedRunResumesAfterTheLastAcknowledgedBatchWithoutGapOrDuplicate() {
        OrchestratorRun first = run("r-stop", 1, 1_001);
        sink.onSend.put(9L, b -> first.requestStop());   // SIGTERM while batch 9 is in flight
        RunResult stopped = first.run();

        assertThat(stopped.outcome()).isEqualTo(RunResult.Outcome.STOPPED);
        assertThat(stopped.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
        assertThat(stopped.lastAckedSeq()).isEqualTo(9);   // the batch in flight was acknowledged and recorded
        assertThat(ledger.find("r-stop").orElseThrow().status()).isEqualTo(RunStatus.STOPPED);

        RecordingSink second = new RecordingSink(clock);
        RunResult resumed = run("r-stop", 1, 1_001, false, second).run();
        assertThat(resumed.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(resumed.publishedNow()).isEqualTo(31);
        List<Long> all = new ArrayList<>(sink.seqs());
        all.addAll(second.seqs());
        assertThat(all).containsExactlyElementsOf(LongStream.range(0, 41).boxed().toList());
        // The resumed run uses the window stored by the first one.
        assertThat(second.sent.getFirst().batch().window()).isEqualTo(sink.sent.getFirst().batch().window());
    }

    @Test
    void aFailedSendInterruptsTheRunResumablyWithProgressKeptAndTheRerunPublishesExactlyTheRest() {
        sink.onSend.put(5L, b -> {
            throw new KafkaUnavailableException("broker gone", null);
        });
        RunResult failed = run("r-fail", 1, 300).run();
        assertThat(failed.outcome()).isEqualTo(RunResult.Outcome.INTERRUPTED);
        assertThat(failed.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
        assertThat(failed.error()).contains("broker gone");
        assertThat(failed.lastAckedSeq()).isEqualTo(4);
        assertThat(ledger.find("r-fail").orElseThrow()).satisfies(rec -> {
            assertThat(rec.status()).as("an interrupted run is recorded resumable, not failed").isEqualTo(RunStatus.INTERRUPTED);
            assertThat(rec.lastAckedSeq()).isEqualTo(4);
        });

        RecordingSink second = new RecordingSink(clock);
        assertThat(run("r-fail", 1, 300, false, second).run().outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(second.seqs()).containsExactlyElementsOf(LongStream.range(5, 12).boxed().toList());
    }

    @Test
    void aSendThatFailedIsRetriedWhileTheLeaseIsHeldAndNeverSentAgainWhenTheTopicHasIt() {
        java.util.concurrent.atomic.AtomicInteger away = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger ackLost = new java.util.concurrent.atomic.AtomicInteger();
        sink.onSend.put(3L, b -> {
            if (away.getAndIncrement() < 2) {   // the broker is away for two tries
                throw new KafkaUnavailableException("broker away", null);
            }
        });
        sink.onSend.put(6L, b -> {
            if (ackLost.getAndIncrement() == 0) {   // written, but the acknowledgement was lost
                sink.sent.add(new RecordingSink.Sent(b, clock.monotonicTime()));
                throw new KafkaUnavailableException("ack lost", null);
            }
        });
        RunResult r = run("r-blip", 1, 250).run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(sink.seqs()).containsExactlyElementsOf(LongStream.range(0, 10).boxed().toList());
        assertThat(away.get()).as("batch 3 tried until the broker took it").isEqualTo(3);
        assertThat(ackLost.get()).as("batch 6 found in the topic, not sent again").isEqualTo(1);
    }

    @Test
    void aLeaseThatVanishedWithRedisIsTakenAgainWithAHigherTokenAndTheLedgerRebuilt() {
        sink.onSend.put(4L, b -> ledger.lose("r-wiped"));   // Redis restarted empty while batch 4 was in flight
        RunResult r = run("r-wiped", 1, 1_000).run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(sink.seqs()).containsExactlyElementsOf(LongStream.range(0, 40).boxed().toList());
        assertThat(ledger.find("r-wiped")).get().satisfies(rec -> {
            assertThat(rec.status()).isEqualTo(RunStatus.FINISHED);
            assertThat(rec.lastAckedSeq()).isEqualTo(39);
        });
        assertThat(ledger.plan("r-wiped")).get().satisfies(ids -> assertThat(ids).hasSize(1_000));
        // The lease was released at the end; the next claim's token shows the reclaim's (2) was above the first's (1).
        assertThat(ledger.claim("r-wiped", "next", Duration.ofSeconds(30)).token()).isEqualTo(3);
    }

    @Test
    void aRetryWhoseLedgerWasLostResumesAfterWhatTheTopicHoldsWithTheSameWindow() {
        OrchestratorRun first = run("r-gone", 1, 1_000);
        sink.onSend.put(9L, b -> first.requestStop());
        assertThat(first.run().lastAckedSeq()).isEqualTo(9);
        ledger.lose("r-gone");
        clock.add(Duration.ofDays(1));   // the retry comes the next day: the window must stay the first attempt's
        RunResult retry = run("r-gone", 1, 1_000).run();
        assertThat(retry.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(retry.publishedNow()).isEqualTo(30);
        assertThat(sink.seqs()).containsExactlyElementsOf(LongStream.range(0, 40).boxed().toList());
        assertThat(sink.sent).extracting(x -> x.batch().window()).containsOnly(sink.sent.getFirst().batch().window());
    }

    @Test
    void resumingWithADifferentBatchSizeIsRefused() {
        OrchestratorRun first = run("r-fp", 1, 1_000);
        sink.onSend.put(2L, b -> first.requestStop());
        first.run();
        SluiceConfig other = TestConfigs.config("orchestrator.pacing", "2s", "orchestrator.batch-size", "10");
        assertThatThrownBy(() -> OrchestratorRun.builder(other, new RangeOrgSource(1, 1_000)).runId("r-fp")
                .ledger(c -> new NonClosingLedger(ledger)).sink(id -> sink).backlogProbe(id -> Backlog.Probe.NONE)
                .clock(clock).sleeper(new MockSleeper(clock)).registry(registry).progress(ProgressReporter.none()).build().run())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("r-fp").hasMessageContaining("different plan")
                .extracting(e -> ((ConfigException) e).key()).isEqualTo("--run-id");
        assertThat(ledger.find("r-fp").orElseThrow().lastAckedSeq()).isEqualTo(2);
    }

    @Test
    void aFinishedRunRefusesToRunAgainUnlessForced() {
        run("r-done", 1, 50).run();
        assertThatThrownBy(() -> run("r-done", 1, 50).run())
                .isInstanceOf(ConfigException.class).hasMessageContaining("already finished").hasMessageContaining("--force");

        RecordingSink again = new RecordingSink(clock);
        RunResult forced = run("r-done", 1, 50, true, again).run();
        assertThat(forced.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(again.seqs()).containsExactly(0L, 1L);
    }

    @Test
    void theRunIdIsDerivedFromTheStartTime() {
        MockClock at = new MockClock();
        at.add(Instant.parse("2026-11-28T12:00:34Z").toEpochMilli() - at.wallTime(), TimeUnit.MILLISECONDS);
        RunResult r = OrchestratorRun.builder(config, new RangeOrgSource(1, 3))
                .ledger(c -> new NonClosingLedger(ledger)).sink(id -> sink).backlogProbe(id -> Backlog.Probe.NONE)
                .clock(at).sleeper(new MockSleeper(at)).registry(registry).progress(ProgressReporter.none())
                .build().run();
        assertThat(r.runId()).isEqualTo("r-20261128T1200Z");
        assertThat(sink.sent.getFirst().batch().window())
                .isEqualTo(new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z")));
        assertThat(sink.sent.getFirst().batch().publishedAt()).isEqualTo(Instant.parse("2026-11-28T12:00:34Z"));
    }

    @Test
    void anEmptyOrgSourceIsAUsageErrorAndABadRunIdToo() {
        assertThatThrownBy(() -> OrchestratorRun.builder(config, new EmptySource())
                .ledger(c -> ledger).sink(id -> sink).clock(clock).registry(registry).build().run())
                .isInstanceOf(ConfigException.class).hasMessageContaining("no org ids");
        assertThatThrownBy(() -> run("bad id!", 1, 5).run())
                .isInstanceOf(ConfigException.class).hasMessageContaining("--run-id");
    }

    @Test
    void anUnknownConfigKeyIsAConfigException() {
        assertThatThrownBy(() -> TestConfigs.config("orchestrator.batch-sise", "10"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("orchestrator.batch-size");
    }

    @Test
    void aLedgerThatCannotBeOpenedFailsTheRun() {
        RunResult r = OrchestratorRun.builder(config, new RangeOrgSource(1, 5)).runId("r-noledger")
                .ledger(c -> {
                    throw new IllegalStateException("connection refused");
                })
                .sink(id -> sink).clock(clock).registry(registry).progress(ProgressReporter.none()).build().run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.INTERRUPTED);
        assertThat(r.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
        assertThat(r.error()).contains("connection refused").contains("redis.uri");
        assertThat(sink.sent).isEmpty();
    }

    @Test
    void aResumePublishesTheFrozenPlanWhateverTheSourceSaysNow() {
        OrchestratorRun first = run("r-frozen", 1, 1_000);
        sink.onSend.put(3L, b -> first.requestStop());
        first.run();
        RecordingSink second = new RecordingSink(clock);
        // The source changed: orgs 1..1000 became 5..1200. The resume must not notice.
        RunResult resumed = run("r-frozen", 5, 1_200, false, second).run();
        assertThat(resumed.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        List<Long> orgs = new ArrayList<>();
        sink.sent.forEach(x -> orgs.addAll(x.batch().orgIds()));
        second.sent.forEach(x -> orgs.addAll(x.batch().orgIds()));
        assertThat(orgs).containsExactlyElementsOf(LongStream.rangeClosed(1, 1_000).boxed().toList());
    }

    @Test
    void aSecondPublisherIsRefusedNamingTheHolderAndTakesOverOnceTheLeaseIsGone() {
        RunLease held = ledger.claim("r-held", "pod-a/pid 7", Duration.ofSeconds(30));
        RunResult refused = run("r-held", 1, 100).run();
        assertThat(refused.outcome()).isEqualTo(RunResult.Outcome.HELD);
        assertThat(refused.exitCode()).isEqualTo(RunResult.EXIT_FAILED);
        assertThat(refused.error()).contains("pod-a/pid 7");
        assertThat(sink.sent).isEmpty();

        ledger.expire("r-held");   // the holder was SIGKILLed and its lease ran out
        RunResult took = run("r-held", 1, 100).run();
        assertThat(took.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(ledger.find("r-held")).isPresent();
        assertThat(ledger.renew(held)).isFalse();
    }

    @Test
    void aPublisherThatLostItsLeaseWritesNothingMoreAndExitsResumably() {
        OrchestratorRun first = run("r-lost", 1, 1_000);
        sink.onSend.put(4L, b -> {
            ledger.expire("r-lost");                               // lease gone (expired during a stall) ...
            ledger.claim("r-lost", "pod-b", Duration.ofSeconds(30)); // ... and another orchestrator took over
        });
        RunResult r = first.run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.INTERRUPTED);
        assertThat(r.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
        assertThat(sink.seqs()).containsExactly(0L, 1L, 2L, 3L, 4L);   // batch 4 was sent, its ack record refused
        assertThat(ledger.find("r-lost").orElseThrow().lastAckedSeq()).isEqualTo(3);
    }

    @Test
    void finishWithinShortensThePacingToFitAndRefusesARunNoPoolCouldFinish() {
        // 1,000 orgs = 40 batches at 2 s = 80 s; finish within 40 s -> 1 s pacing.
        SluiceConfig tight = TestConfigs.config("orchestrator.pacing", "2s", "orchestrator.finish-within", "40s",
                "slots.limit", "50", "orchestrator.query-time", "1s");
        long t0 = clock.monotonicTime();
        RunResult r = OrchestratorRun.builder(tight, new RangeOrgSource(1, 1_000)).runId("r-fit")
                .ledger(c -> new NonClosingLedger(ledger)).sink(id -> sink).backlogProbe(id -> Backlog.Probe.NONE)
                .clock(clock).sleeper(new MockSleeper(clock)).registry(registry).progress(ProgressReporter.none()).build().run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(sink.sent.getLast().atNanos() - t0).isEqualTo(39 * S);
        assertThat(ledger.find("r-fit").orElseThrow().pacing()).isEqualTo(Duration.ofSeconds(1));

        // 1,000 orgs x 1 s / 5 slots = 200 s > 40 s: refused at plan time with the arithmetic, nothing sent.
        SluiceConfig impossible = TestConfigs.config("orchestrator.finish-within", "40s", "slots.limit", "5",
                "orchestrator.query-time", "1s");
        RecordingSink none = new RecordingSink(clock);
        assertThatThrownBy(() -> OrchestratorRun.builder(impossible, new RangeOrgSource(1, 1_000)).runId("r-nofit")
                .ledger(c -> new NonClosingLedger(ledger)).sink(id -> none).backlogProbe(id -> Backlog.Probe.NONE)
                .clock(clock).sleeper(new MockSleeper(clock)).registry(registry).progress(ProgressReporter.none()).build().run())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("1,000 orgs × 1s query time / pool limit 5 = 3m20s")
                .extracting(e -> ((ConfigException) e).key()).isEqualTo("orchestrator.finish-within");
        assertThat(none.sent).isEmpty();
    }

    @Test
    void maxBacklogHoldsPublishingWhileWorkersLagAndNeverLetsTheBacklogPassIt() {
        // Workers drain 10 orgs per second of mock time; publishing at 0 pacing would flood them.
        SluiceConfig bounded = TestConfigs.config("orchestrator.pacing", "0ms", "orchestrator.max-backlog", "100");
        long t0 = clock.monotonicTime();
        long[] published = {0};
        List<Long> seen = new ArrayList<>();
        java.util.function.LongSupplier unfinished = () -> Math.max(0, published[0] - (clock.monotonicTime() - t0) / S * 10);
        Backlog.Probe probe = new Backlog.Probe() {
            @Override
            public java.util.OptionalLong unfinishedOrgs() {
                seen.add(unfinished.getAsLong());
                return java.util.OptionalLong.of(unfinished.getAsLong());
            }

            @Override
            public void close() {
            }
        };
        RecordingSink counting = new RecordingSink(clock);
        RunResult r = OrchestratorRun.builder(bounded, new RangeOrgSource(1, 1_000)).runId("r-backlog")
                .ledger(c -> new NonClosingLedger(ledger)).sink(id -> new BatchSink() {
                    @Override
                    public void open() {
                    }

                    @Override
                    public void send(io.sluice.messages.Batch batch) {
                        published[0] += batch.orgIds().size();
                        assertThat(unfinished.getAsLong()).isLessThanOrEqualTo(100);
                        counting.send(batch);
                    }

                    @Override
                    public void close() {
                    }
                }).backlogProbe(id -> probe)
                .clock(clock).sleeper(new MockSleeper(clock)).registry(registry).progress(ProgressReporter.none()).build().run();
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(counting.sent).hasSize(40);
        assertThat(seen).isNotEmpty().allSatisfy(x -> assertThat(x).isLessThanOrEqualTo(100));
        // 1,000 orgs at 10/s with 100 allowed ahead: about 90 s, not 0.
        assertThat((clock.monotonicTime() - t0) / S).isBetween(85L, 95L);
        assertThat(registry.get(OrchestratorMetrics.BACKLOG).gauge().value()).isLessThanOrEqualTo(100);
    }

    /** Lets a test inspect the ledger after the run closed "its" ledger. */
    record NonClosingLedger(RunLedger delegate) implements RunLedger {
        @Override
        public java.util.Optional<RunRecord> find(String runId) {
            return delegate.find(runId);
        }

        @Override
        public java.util.Optional<long[]> plan(String runId) {
            return delegate.plan(runId);
        }

        @Override
        public RunLease claim(String runId, String holder, Duration ttl) {
            return delegate.claim(runId, holder, ttl);
        }

        @Override
        public boolean renew(RunLease lease) {
            return delegate.renew(lease);
        }

        @Override
        public RunLease reclaim(RunLease lease) {
            return delegate.reclaim(lease);
        }

        @Override
        public void release(RunLease lease) {
            delegate.release(lease);
        }

        @Override
        public java.util.Optional<RunLease.Holder> holder(String runId) {
            return delegate.holder(runId);
        }

        @Override
        public void start(RunLease lease, RunRecord record, long[] planIds) {
            delegate.start(lease, record, planIds);
        }

        @Override
        public void update(RunLease lease, RunRecord record) {
            delegate.update(lease, record);
        }

        @Override
        public List<String> recentRuns(int max) {
            return delegate.recentRuns(max);
        }

        @Override
        public void close() {
        }
    }

    private static final class EmptySource implements io.sluice.orgs.OrgSource {
        @Override
        public java.util.PrimitiveIterator.OfLong ids() {
            return java.util.stream.LongStream.empty().iterator();
        }

        @Override
        public String describe() {
            return "empty";
        }

        @Override
        public void close() {
        }
    }
}
