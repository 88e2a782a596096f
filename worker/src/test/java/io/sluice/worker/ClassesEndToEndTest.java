package io.sluice.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.SlotPool;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.worker.gate.Gates;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Two worker groups in two classes of one pool, against a downstream whose limit is above the pool's: the daily
 * run's share holds while a backfill floods, every org of both is projected, and the downstream never sees more
 * than the pool's limit.
 */
class ClassesEndToEndTest {
    /** Live daily leases, live backfill leases, daily tickets waiting. */
    private static final String COUNT = """
            local now = redis.call('TIME')
            local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
            local d, b, w = 0, 0, 0
            for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ms, '+inf')) do
              if string.sub(m, 1, 7) == '@daily/' then d = d + 1 else b = b + 1 end
            end
            for _, t in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
              if string.sub(t, 1, 7) == '@daily/' then w = w + 1 end
            end
            return {d, b, w}
            """;

    @Test
    void theDailyRunsShareHoldsWhileABackfillFloodsAndTheDownstreamStaysUnderThePool() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(20)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(150)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "8", "slots.class", "daily",
                     "worker.retry.max-attempts", "30"))) {
            RedisPoolAdmin.apply(SharedServers.redis().uri(), Duration.ofSeconds(2), new PoolDeclaration(stack.name, 8, List.of(
                    PoolDeclaration.PoolClass.parse("daily:6:0%"), PoolDeclaration.PoolClass.parse("backfill:2:100%"))),
                    Duration.ofSeconds(3), true);
            SluiceConfig backfill = stack.configWith(Map.of("slots.class", "backfill",
                    "kafka.topics.batches", stack.name + ".backfill-batches", "kafka.consumer.group.id", stack.name + "-backfill"));
            List<Long> daily = LongStream.rangeClosed(1, 240).boxed().toList();
            List<Long> flood = LongStream.rangeClosed(1001, 1240).boxed().toList();

            stack.startWorker("b0", backfill);
            stack.startWorker("b1", backfill);
            stack.publish(backfill.kafka().topics().batches(), "r-backfill", flood, 10, null);
            try (SlotPool observer = Gates.pool(stack.config, "observer", new SimpleMeterRegistry());
                 io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(SharedServers.redis().uri());
                 io.lettuce.core.api.StatefulRedisConnection<String, String> raw = client.connect()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> observer.status().inUse() == 8);   // the backfill alone takes all 8

                stack.startWorker("d0");
                stack.startWorker("d1");
                stack.publish("r-daily", daily, 10);
                List<int[]> samples = new CopyOnWriteArrayList<>();   // {daily, backfill, waiters}
                // Sampled every 20 ms on a timer: one script, so that seats and waiters are of the same moment.
                java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                sampler.scheduleAtFixedRate(() -> {
                    List<Long> c = raw.sync().eval(COUNT, io.lettuce.core.ScriptOutputType.MULTI,
                            new String[] {"sluice:{" + stack.name + "}:leases", "sluice:{" + stack.name + "}:queue"});
                    samples.add(new int[] {c.get(0).intValue(), c.get(1).intValue(), c.get(2).intValue()});
                }, 0, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> stack.resultsByOrg().keySet().containsAll(daily));
                sampler.shutdown();
                assertThat(sampler.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                // While daily work waits, the daily run holds its 6 seats, but for the query time it takes a borrowed
                // seat to come back (the backfill borrows the daily seats whenever the daily run has nobody waiting).
                List<int[]> waiting = samples.stream().filter(x -> x[2] > 0).toList();
                long atShare = waiting.stream().filter(x -> x[0] >= 6).count();
                int longestBelow = 0;
                int run = 0;
                for (int[] x : samples) {
                    run = x[2] > 0 && x[0] < 6 ? run + 1 : 0;
                    longestBelow = Math.max(longestBelow, run);
                }
                System.out.printf("classes e2e: %d samples, %d with daily waiting, at its 6 seats in %d; longest stretch below: %d "
                        + "samples of 20 ms; {daily seats, backfill seats, daily waiting}: %s%n", samples.size(), waiting.size(), atShare,
                        longestBelow, samples.stream().map(java.util.Arrays::toString).toList());
                assertThat(samples).allSatisfy(x -> assertThat(x[0] + x[1]).isLessThanOrEqualTo(8));
                assertThat(waiting).as("the daily run had work waiting").hasSizeGreaterThan(50);
                assertThat((double) atShare / waiting.size()).as("daily holds its share while the backfill floods").isGreaterThan(0.8);
                assertThat(longestBelow * 20L).as("ms the daily run waited below its share: about one query time (150 ms)")
                        .isLessThan(600);
            }
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(flood));
            int peak = sim.stats().peakInFlight().values().stream().mapToInt(Integer::intValue).max().orElse(0);
            assertThat(peak).as("queries at the downstream at once, against a pool of 8 and a downstream of 20")
                    .isLessThanOrEqualTo(8);
            assertThat(stack.resultsByOrg().keySet()).containsAll(daily).containsAll(flood);
        }
    }

    /**
     * A batch naming a class the pool does not declare is dead-lettered ({@code unknown-class}, its class kept in
     * the dead letter), not run in the pool's first class; the worker keeps running the batches that name a
     * declared class or none.
     */
    @Test
    void aBatchNamingAnUndeclaredClassIsDeadLetteredAndTheWorkerKeepsRunning() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults()
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of("slots.limit", "4", "slots.class", "daily"))) {
            RedisPoolAdmin.apply(SharedServers.redis().uri(), Duration.ofSeconds(2), new PoolDeclaration(stack.name, 4, List.of(
                    PoolDeclaration.PoolClass.parse("daily:3:0%"), PoolDeclaration.PoolClass.parse("backfill:1:100%"))),
                    Duration.ofSeconds(3), true);
            stack.startWorker("w0");
            String batches = stack.config.kafka().topics().batches();
            stack.publish(batches, "r-nightly", List.of(1L, 2L), 2, "nightly");
            stack.publish(batches, "r-backfill", List.of(11L, 12L), 2, "backfill");
            stack.publish(batches, "r-daily", List.of(21L, 22L), 2, null);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(List.of(11L, 12L, 21L, 22L)));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.readAll(stack.config.kafka().topics().deadLetter()).size() == 2);
            for (var r : stack.readAll(stack.config.kafka().topics().deadLetter())) {
                assertThat(new String(r.headers().lastHeader(io.sluice.messages.DeadLetterHeaders.REASON).value(),
                        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("unknown-class");
                assertThat(io.sluice.messages.MessageCodec.decodeBatch(r.value()).slotClass()).isEqualTo("nightly");
            }
            assertThat(stack.resultsByOrg()).doesNotContainKeys(1L, 2L);
            // Still running: a later batch is projected too.
            stack.publish(batches, "r-daily-2", List.of(31L), 1, "daily");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().containsKey(31L));
        }
    }
}
