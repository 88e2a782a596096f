package io.sluice.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.messages.Window;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DESIGN section 11, "Results never regress", against real servers: once an org has today's
 * projection on the compacted results topic, a batch carrying last week's window (what
 * {@code sluice replay}, {@code replay --from-dead-letter}, a lagging redelivery or a backfill beside
 * the daily run hand a worker) must not become the org's latest value.
 */
class ResultsNeverRegressTest {
    static final Window TODAY = StackFixture.WINDOW;
    static final Window LAST_WEEK = new Window(TODAY.start().minus(7, ChronoUnit.DAYS), TODAY.end().minus(7, ChronoUnit.DAYS));

    @Test
    void replayingLastWeeksBatchAfterTodaysRunLeavesTodaysProjectionTheLatest() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(10)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "10"))) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            stack.startWorker("w0", registry);
            List<Long> orgs = LongStream.rangeClosed(1, 300).boxed().toList();
            stack.publish("r-today", orgs, 25);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().size() == orgs.size() && stack.committedToEnd());
            long queriesAfterToday = sim.stats().requests();

            // One replayed batch of 25 orgs with last week's window, and one dead-lettered org sent back.
            List<Long> replayed = orgs.subList(100, 125);
            stack.publish("r-last-week", replayed, 25, LAST_WEEK);
            stack.publish("r-last-week-dlt", List.of(7L), 1, LAST_WEEK);
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(stack::committedToEnd);

            Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
            assertThat(results.keySet()).containsExactlyElementsOf(orgs);
            for (long org : orgs) {
                assertThat(results.get(org).getLast().window()).as("latest result of org %d", org).isEqualTo(TODAY);
            }
            Counter superseded = registry.find("sluice.worker.orgs").tag("outcome", "superseded").counter();
            assertThat(superseded).as("the superseded counter").isNotNull();
            assertThat(superseded.count()).as("orgs superseded").isEqualTo(replayed.size() + 1.0);
            assertThat(sim.stats().requests()).as("superseded orgs never reach the downstream").isEqualTo(queriesAfterToday);
        }
    }

    @Test
    void aBackfillBesideTheDailyRunNeverLeavesAnOlderProjectionLatest() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(40)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
             StackFixture live = new StackFixture(sim.url(), Map.of("slots.limit", "10"))) {
            // The backfill Deployment: its own batches topic, group and pool; the same results topic.
            try (StackFixture backfill = new StackFixture(sim.url(), Map.of("slots.limit", "10",
                    "kafka.topics.results", live.config.kafka().topics().results()))) {
                live.startWorker("live");
                backfill.startWorker("backfill");
                List<Long> orgs = LongStream.rangeClosed(1, 300).boxed().toList();
                backfill.publish("r-last-week", orgs, 25, LAST_WEEK);
                live.publish("r-today", orgs, 25);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> live.committedToEnd() && backfill.committedToEnd());

                Map<Long, List<ProjectionResult>> results = live.resultsByOrg();
                assertThat(results.keySet()).containsExactlyElementsOf(orgs);
                for (long org : orgs) {
                    assertThat(results.get(org).getLast().window()).as("latest result of org %d", org).isEqualTo(TODAY);
                }
            }
        }
    }
}
