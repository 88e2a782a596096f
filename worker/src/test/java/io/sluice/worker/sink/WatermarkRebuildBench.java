package io.sluice.worker.sink;

import io.sluice.embedded.SharedServers;
import io.sluice.jobs.spike.ProjectProjection;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.messages.Window;
import io.sluice.redis.RedisLink;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: measures rebuilding the watermarks of {@code -Dsluice.bench.rebuild.orgs} orgs (default
 * 1,000,000) from a results topic on the in-process broker into the JVM's redis-server: how long, and
 * Redis' {@code used_memory} before and after. Runs only when {@code -Dsluice.bench.rebuild=true}:
 * <pre>
 * ./mvnw -B -ntp -q -o -pl worker -am -Dtest=WatermarkRebuildBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsluice.bench.rebuild=true verify
 * </pre>
 * (Surefire hands the command line's {@code -D} properties to the test JVM.) One line of results on stdout.
 */
@EnabledIfSystemProperty(named = "sluice.bench.rebuild", matches = "true")
class WatermarkRebuildBench {
    static final Window TODAY = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));

    @Test
    void rebuildAMillionOrgs() throws Exception {
        int n = Integer.getInteger("sluice.bench.rebuild.orgs", 1_000_000);
        String topic = SharedServers.uniqueName("wm-bench");
        WatermarkRebuildTest.createTopic(topic, 6);
        long[] hourly = new long[24];
        Arrays.fill(hourly, 1234);
        long[] threshold = new long[24];
        Arrays.fill(threshold, 12340);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = WatermarkRebuildTest.producer()) {
            for (long org = 4_000_001; org <= 4_000_000 + n; org++) {
                ProjectionResult r = new ProjectionResult(1, "r-bench", org, TODAY,
                        List.of(new ProjectProjection(org * 10, hourly, threshold)), Instant.now());
                p.send(io.sluice.worker.sink.TestResults.record(topic, r), (md, e) -> {
                    if (e != null) WatermarkRebuildTest.FAILED_SENDS.incrementAndGet();
                });
            }
            WatermarkRebuildTest.flush(p);
        }
        double filled = (System.nanoTime() - t0) / 1e9;
        try (RedisLink redis = RedisLink.open(SharedServers.redis().uri(), Duration.ofSeconds(30), null);
             Watermarks w = new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(30), topic)) {
            redis.sync().flushall();
            long before = usedMemory(redis);
            WatermarkRebuild rebuild = new WatermarkRebuild(w, WatermarkRebuildTest.readerProps(), topic, new io.sluice.jobs.spike.SpikeProjectionJob(), Duration.ZERO, System::nanoTime);
            WatermarkRebuild.Outcome o = rebuild.run();
            long after = usedMemory(redis);
            String version = redis.sync().info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst().orElse("?");
            System.out.printf("WATERMARK-REBUILD orgs=%d records=%d written=%d rebuildSeconds=%.1f usedMemoryBefore=%d "
                            + "usedMemoryAfter=%d deltaMB=%.1f bytesPerOrg=%.1f topicFillSeconds=%.1f %s%n", n, o.records(),
                    o.orgs(), o.took().toMillis() / 1e3, before, after, (after - before) / 1e6, (after - before) / (double) n,
                    filled, version.trim());
            // The figures stand only for a complete rebuild: every result read, every org written back.
            org.assertj.core.api.Assertions.assertThat(o.records()).as("results read").isEqualTo(n);
            org.assertj.core.api.Assertions.assertThat(o.orgs()).as("org watermarks written").isGreaterThanOrEqualTo(n);
            org.assertj.core.api.Assertions.assertThat(after).as("used_memory after the rebuild").isGreaterThan(before);
        }
    }

    private static long usedMemory(RedisLink redis) {
        return redis.sync().info("memory").lines().filter(l -> l.startsWith("used_memory:")).findFirst()
                .map(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).orElseThrow();
    }
}
