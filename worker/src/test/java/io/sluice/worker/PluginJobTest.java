package io.sluice.worker;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.job.Job;
import io.sluice.job.Jobs;
import io.sluice.messages.DeadLetterHeaders;
import io.sluice.messages.Window;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A job added as a plug-in, with no engine change: one class ({@code plugin.OrgTotalJob}) and its service file,
 * put on a class loader of its own as a jar would be. The worker finds it through ServiceLoader, serves it beside
 * spike projection from the same batches topic and pool, and writes results the job's own check finds exact.
 * A batch naming a job the worker lacks is dead-lettered as unknown-job, and the worker keeps going.
 */
class PluginJobTest {

    @Test
    void aJobOnTheClassPathRunsThroughTheEngineAndAnUnknownJobIsDeadLettered(@TempDir Path jar) throws Exception {
        Path services = jar.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(Job.class.getName()), "# the plug-in's service file\nio.sluice.worker.plugin.OrgTotalJob\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, getClass().getClassLoader());
             SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(16)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(10)))).start()) {
            Jobs found = Jobs.discover(loader);
            assertThat(found.names()).contains("org-total").contains("spike-projection");
            Map<String, String> overrides = new HashMap<>(Map.of("slots.limit", "8", "worker.max-in-flight", "8"));
            String topicName = io.sluice.embedded.SharedServers.uniqueName("org-total");
            overrides.put("jobs.org-total.results-topic", topicName);
            try (StackFixture stack = new StackFixture(sim.url(), overrides)) {
                Job job = found.get("org-total");
                stack.startWorker("p0", found);
                stack.startWorker("p1", Jobs.discover(loader));
                assertThat(job.resultsTopic(Jobs.settings(stack.config, job.name()))).isEqualTo(topicName);
                Window window = job.window(Instant.now());
                List<Long> orgs = LongStream.rangeClosed(1, 300).boxed().toList();
                stack.publishJob("org-total", "r-plugin", orgs, 25, window);
                stack.publishJob("no-such-job", "r-unknown", List.of(7L, 8L), 25, window);

                await().atMost(Duration.ofSeconds(90)).until(() -> stack.readAll(topicName).stream()
                        .map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet()).size() == orgs.size());
                var truth = StackFixture.truth(sim.data());
                Set<String> wrong = new TreeSet<>();
                for (ConsumerRecord<byte[], byte[]> r : stack.readAll(topicName)) {
                    Job.Stamp stamp = job.stamp(r.key(), r.value());
                    String why = job.mismatch(new Job.Work("r-plugin", stamp.orgId(), window), r.value(), truth);
                    if (why != null) wrong.add(stamp.orgId() + ": " + why);
                }
                assertThat(wrong).isEmpty();

                await().atMost(Duration.ofSeconds(30)).until(() -> stack.readAll(stack.config.kafka().topics().deadLetter()).size() == 2);   // one per org, each replayable on its own
                ConsumerRecord<byte[], byte[]> dead = stack.readAll(stack.config.kafka().topics().deadLetter()).getFirst();
                assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8))
                        .isEqualTo("unknown-job");
                assertThat(new String(dead.headers().lastHeader(DeadLetterHeaders.ERROR).value(), StandardCharsets.UTF_8))
                        .contains("no-such-job").contains("org-total").contains("spike-projection");
                assertThat(stack.workers).allMatch(w -> w.loop().failure() == null);
                assertThat(sim.stats().maxPeakInFlight()).isLessThanOrEqualTo(8);   // the downstream admits 16
                assertThat(stack.readAll(stack.config.kafka().topics().results())).isEmpty();   // spike's topic: untouched
            }
        }
    }
}
