package io.sluice.worker;

import io.sluice.embedded.SharedServers;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job;
import io.sluice.job.Jobs;
import io.sluice.messages.Window;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One worker fleet runs both shipped jobs at once, from one batches topic, through one slot pool: every org of
 * each job gets the result its job's own check finds exact against the simulator's data, on the job's own results
 * topic, and the downstream never sees more queries than the pool's limit though it would admit twice as many.
 */
class MixedJobsEndToEndTest {

    @Test
    void bothJobsRunThroughOnePoolAndEveryOrgIsExact() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(20)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(20)))).start()) {
            String samplingTopic = SharedServers.uniqueName("sampling");
            Map<String, String> overrides = new HashMap<>(Map.of("slots.limit", "10", "worker.max-in-flight", "8",
                    "jobs.dynamic-sampling.results-topic", samplingTopic));
            try (StackFixture stack = new StackFixture(sim.url(), overrides)) {
                for (int i = 0; i < 3; i++) {
                    stack.startWorker("m" + i, Jobs.discover());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> stack.workers.stream()
                        .allMatch(w -> w.loop().assignedPartitions() == 2));
                Jobs jobs = Jobs.discover().configure(name -> Jobs.settings(stack.config, name));
                assertThat(jobs.names()).isEqualTo("dynamic-sampling, spike-projection");
                List<Long> orgs = LongStream.rangeClosed(1, 600).boxed().toList();
                Window spikeWindow = StackFixture.WINDOW;
                Window samplingWindow = jobs.get("dynamic-sampling").window(Instant.now());
                // Interleaved on one topic: the two jobs' batches share partitions, workers and slots.
                for (int part = 0; part < 3; part++) {
                    List<Long> slice = orgs.subList(part * 200, (part + 1) * 200);
                    stack.publishJob("spike-projection", "r-mixed-spike-" + part, slice, 25, spikeWindow);
                    stack.publishJob("dynamic-sampling", "r-mixed-sampling-" + part, slice, 25, samplingWindow);
                }
                String spikeTopic = stack.config.kafka().topics().results();
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                        .until(() -> orgsIn(stack, spikeTopic) == orgs.size() && orgsIn(stack, samplingTopic) == orgs.size());

                GroundTruth truth = StackFixture.truth(sim.data());
                assertThat(wrong(stack, jobs.get("spike-projection"), spikeTopic, spikeWindow, truth, org -> "r-mixed-spike-" + (org - 1) / 200)).isEmpty();
                assertThat(wrong(stack, jobs.get("dynamic-sampling"), samplingTopic, samplingWindow, truth, org -> "r-mixed-sampling-" + (org - 1) / 200)).isEmpty();
                assertThat(sim.stats().maxPeakInFlight()).as("peak at the downstream vs the pool limit 10 (it admits 20)")
                        .isLessThanOrEqualTo(10);
                assertThat(sim.stats().rateLimited()).isZero();
                assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).isEmpty();
                await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            }
        }
    }

    private static int orgsIn(StackFixture stack, String topic) {
        return stack.readAll(topic).stream().map(r -> new String(r.key(), StandardCharsets.UTF_8))
                .collect(Collectors.toSet()).size();
    }

    /** The orgs whose result on {@code topic} the job's own check does not find exact, each with why; one result per org. */
    private static List<String> wrong(StackFixture stack, Job job, String topic, Window window, GroundTruth truth,
                                      java.util.function.LongFunction<String> runOf) throws Exception {
        TreeSet<String> wrong = new TreeSet<>();
        Map<Long, Integer> seen = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : stack.readAll(topic)) {
            Job.Stamp stamp = job.stamp(r.key(), r.value());
            if (seen.merge(stamp.orgId(), 1, Integer::sum) > 1) {
                wrong.add(job.name() + " org " + stamp.orgId() + ": written twice");
            }
            String why = job.mismatch(new Job.Work(runOf.apply(stamp.orgId()), stamp.orgId(), window), r.value(), truth);
            if (why != null) {
                wrong.add(job.name() + " org " + stamp.orgId() + ": " + why);
            }
        }
        return List.copyOf(wrong);
    }
}
