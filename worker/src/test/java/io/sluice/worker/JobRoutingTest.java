package io.sluice.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.jobs.sampling.DynamicSamplingJob;
import io.sluice.jobs.spike.SpikeProjectionJob;
import io.sluice.messages.Batch;
import io.sluice.messages.Window;
import io.sluice.retry.Backoff;
import io.sluice.worker.sink.ResultGuards;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Which slot class an org's queries take their slots in: the batch's, else its job's, else the worker's own. */
class JobRoutingTest {
    private static final Window WINDOW = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));

    @Test
    void theBatchsClassWinsThenTheJobsThenTheWorkersOwn() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, JobRoute> routes = Map.of(
                "dynamic-sampling", JobRoute.of(new DynamicSamplingJob(), "t1", "backfill", registry),
                "spike-projection", JobRoute.of(new SpikeProjectionJob(), "t2", null, registry));
        OrgProcessor p = new OrgProcessor(null, routes, new ResultGuards(Map.of()), "dlt",
                Backoff.exponentialWithFullJitter(Duration.ofMillis(10), Duration.ofMillis(100)), 3, Duration.ofSeconds(1),
                InstantSource.system(), System::nanoTime, new SplittableRandom(), registry);

        assertThat(p.slotClass(task("dynamic-sampling", null))).isEqualTo("backfill");
        assertThat(p.slotClass(task("dynamic-sampling", "live"))).isEqualTo("live");
        assertThat(p.slotClass(task("spike-projection", null))).isNull();
        assertThat(p.slotClass(task("no-such-job", null))).isNull();
    }

    private static OrgTask task(String job, String slotClass) {
        Batch b = new Batch(1, job, "r", 0, List.of(1L), WINDOW, Instant.EPOCH, slotClass);
        return new OrgTask(new TopicPartition("b", 0), 0, b, 1, 0, 0);
    }
}
