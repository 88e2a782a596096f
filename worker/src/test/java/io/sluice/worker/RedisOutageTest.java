package io.sluice.worker;

import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis goes away mid-run (its own server, not the shared one): the worker fails closed — readiness
 * false, no query reaches the downstream once the in-flight ones drained — and recovers by itself when
 * Redis returns (empty: no persistence), projecting every org.
 */
class RedisOutageTest {
    @Test
    void aWorkerFailsClosedWhileRedisIsDownAndRecoversByItself() {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start();
             SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(40)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of("redis.uri", redis.uri(), "slots.limit", "4",
                     "redis.timeout", "500ms"))) {
            List<Long> orgs = LongStream.rangeClosed(1, 400).boxed().toList();
            Worker worker = stack.startWorker("w0");
            stack.publish("r-redis-outage", orgs, 25);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.resultsByOrg().size() >= 20);

            redis.stop();
            await().atMost(Duration.ofSeconds(20)).until(() -> !worker.loop().gateHealthy());
            // Queries that held a slot when Redis went may finish; after that, nothing reaches the downstream.
            AtomicLong seen = new AtomicLong(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> seen.getAndSet(sim.stats().requests()) == sim.stats().requests() && sim.inFlight() == 0);
            long frozen = sim.stats().requests();
            int projectedWhileDown = stack.resultsByOrg().size();
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200))
                    .until(() -> sim.stats().requests() == frozen && !worker.loop().gateHealthy());
            assertThat(projectedWhileDown).as("the outage hit mid-run").isLessThan(orgs.size());
            assertThat(worker.loop().pausedPartitions()).as("partitions paused while the pool is unreachable").isPositive();

            redis.start();   // same port, no data: the pool starts afresh from slots.limit
            // The result watermarks came back empty too: no org asks for a slot until they are rebuilt from the
            // results topic, which waits out the publish lock TTL (30 s here) for transactions claimed before the loss.
            await().atMost(Duration.ofSeconds(90)).until(() -> worker.loop().gateHealthy());
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).as("no org dead-lettered").isEmpty();
            assertThat(sim.stats().maxPeakInFlight()).as("the cap held across the outage").isLessThanOrEqualTo(4);
            assertThat(sim.stats().requests()).isGreaterThan(frozen);
        }
    }
}
