package io.sluice.worker;

import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.messages.Window;
import io.sluice.redis.RedisLink;
import io.sluice.worker.sink.Watermarks;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The compacted results topic is the truth and the watermarks in Redis its cache, against real servers
 * (broker, redis-server, the Snuba simulator): no crash point and no loss of Redis's data lets an older
 * window become an org's latest result, and a batch published twice costs no second query.
 */
class ResultsTrueThroughCrashTest {
    static final Window TODAY = StackFixture.WINDOW;
    static final Window LAST_WEEK = new Window(TODAY.start().minus(7, ChronoUnit.DAYS), TODAY.end().minus(7, ChronoUnit.DAYS));

    private static SnubaSimulator simulator() {
        return new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(20)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
    }

    private static void assertLatestIsToday(StackFixture stack, List<Long> orgs) {
        Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
        assertThat(results.keySet()).containsAll(orgs);
        for (long org : orgs) {
            assertThat(results.get(org).getLast().window()).as("latest result of org %d", org).isEqualTo(TODAY);
        }
    }

    @Test
    void aCrashBetweenTheCommitAndTheWatermarkNeverLetsAnOlderWindowBecomeTheLatest() {
        try (SnubaSimulator sim = simulator();
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "10", "kafka.topics.partitions", "1"))) {
            Worker doomed = stack.startWorker("doomed");
            AtomicBoolean crashed = new AtomicBoolean();
            doomed.loop().flusher().afterCommit = () -> {
                crashed.set(true);
                throw new IllegalStateException("killed after the commit, before the watermarks were recorded");
            };
            List<Long> orgs = LongStream.rangeClosed(1, 20).boxed().toList();
            stack.publish("r-today", orgs, 20);
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(crashed::get);
            doomed.crash();
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(stack::committedToEnd);
            assertLatestIsToday(stack, orgs);

            // Last week's batch replayed once the dead worker's publish locks lapsed (30 s here, 195 s with defaults).
            stack.startWorker("next");
            stack.publish("r-last-week", orgs, 20, LAST_WEEK);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(stack::committedToEnd);
            assertLatestIsToday(stack, orgs);
        }
    }

    @Test
    void watermarksLostWithRedisAreRebuiltFromTheTopicBeforeAnyQueryRuns() throws Exception {
        try (SnubaSimulator sim = simulator();
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "10"));
             RedisLink redis = RedisLink.open(SharedServers.redis().uri(), Duration.ofSeconds(5), null)) {
            List<Long> orgs = LongStream.rangeClosed(1, 100).boxed().toList();
            stack.startWorker("w0");
            stack.publish("r-today", orgs, 25);
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().size() == orgs.size() && stack.committedToEnd());
            String epoch = new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(1), stack.config.kafka().topics().results())
                    .epochKey();
            assertThat(redis.sync().exists(epoch)).as("the epoch written at the first start").isEqualTo(1L);

            redis.sync().flushall();   // Redis restarted empty
            long queriesBefore = sim.stats().requests();
            stack.publish("r-last-week", orgs.subList(0, 50), 25, LAST_WEEK);
            stack.publish("r-new-orgs", List.of(1001L, 1002L), 2);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).until(() -> {
                long queries = sim.stats().requests();   // read before the epoch: the epoch never goes away once back
                boolean rebuilt = redis.sync().exists(epoch) == 1;
                if (!rebuilt) {
                    assertThat(queries).as("queries before the watermarks were rebuilt").isEqualTo(queriesBefore);
                }
                return rebuilt;
            });
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(stack::committedToEnd);
            assertLatestIsToday(stack, orgs);
            assertThat(stack.resultsByOrg()).containsKeys(1001L, 1002L);
            assertThat(sim.stats().requests() - queriesBefore).as("only the two new orgs were queried").isEqualTo(2);
        }
    }

    @Test
    void theSameBatchPublishedTwiceCostsNoSecondQueryAndWritesOneResultPerOrg() {
        try (SnubaSimulator sim = simulator();
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "10"))) {
            List<Long> orgs = LongStream.rangeClosed(1, 200).boxed().toList();
            stack.startWorker("w0");
            stack.startWorker("w1");
            stack.publish("r-today", orgs, 25);
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().size() == orgs.size() && stack.committedToEnd());
            long queries = sim.stats().requests();

            stack.publish("r-today", orgs, 25);   // the orchestrator published the same batches again
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).until(stack::committedToEnd);
            assertThat(sim.stats().requests()).as("queries for the second publication").isEqualTo(queries);
            Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
            assertThat(results.keySet()).containsExactlyElementsOf(orgs);
            assertThat(results.values()).as("one result per org and window").allSatisfy(r -> assertThat(r).hasSize(1));
        }
    }
}
