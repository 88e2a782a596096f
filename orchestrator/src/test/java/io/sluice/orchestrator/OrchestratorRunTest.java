package io.sluice.orchestrator;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.ledger.InMemoryRunLedger;
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
        assertThat(stopped.exitCode()).isZero();
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
    void aFailedSendFailsTheRunWithProgressKeptAndTheRerunPublishesExactlyTheRest() {
        sink.onSend.put(5L, b -> {
            throw new KafkaUnavailableException("broker gone", null);
        });
        RunResult failed = run("r-fail", 1, 300).run();
        assertThat(failed.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.error()).contains("broker gone");
        assertThat(failed.lastAckedSeq()).isEqualTo(4);
        assertThat(ledger.find("r-fail").orElseThrow()).satisfies(rec -> {
            assertThat(rec.status()).isEqualTo(RunStatus.FAILED);
            assertThat(rec.lastAckedSeq()).isEqualTo(4);
        });

        RecordingSink second = new RecordingSink(clock);
        assertThat(run("r-fail", 1, 300, false, second).run().outcome()).isEqualTo(RunResult.Outcome.FINISHED);
        assertThat(second.seqs()).containsExactlyElementsOf(LongStream.range(5, 12).boxed().toList());
    }

    @Test
    void resumingWithADifferentOrgListIsRefused() {
        OrchestratorRun first = run("r-fp", 1, 1_000);
        sink.onSend.put(2L, b -> first.requestStop());
        first.run();
        assertThatThrownBy(() -> run("r-fp", 1, 999).run())
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
                .ledger(c -> new NonClosingLedger(ledger)).sink(id -> sink)
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
        assertThat(r.outcome()).isEqualTo(RunResult.Outcome.FAILED);
        assertThat(r.error()).contains("connection refused").contains("redis.uri");
        assertThat(sink.sent).isEmpty();
    }

    /** Lets a test inspect the ledger after the run closed "its" ledger. */
    private record NonClosingLedger(RunLedger delegate) implements RunLedger {
        @Override
        public java.util.Optional<RunRecord> find(String runId) {
            return delegate.find(runId);
        }

        @Override
        public void start(RunRecord record) {
            delegate.start(record);
        }

        @Override
        public void recordAck(String runId, long seq, Instant at) {
            delegate.recordAck(runId, seq, at);
        }

        @Override
        public void setStatus(String runId, RunStatus status, Instant at) {
            delegate.setStatus(runId, status, at);
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
