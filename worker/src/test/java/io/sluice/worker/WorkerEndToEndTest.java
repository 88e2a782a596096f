package io.sluice.worker;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SimulatorStats;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.jobs.spike.ProjectionResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The core promise against real servers: every org projected, exactly, and the downstream never over its limit. */
class WorkerEndToEndTest {

    @Test
    void everyOrgIsProjectedExactlyAndTheDownstreamNeverExceedsThePool() throws Exception {
        run(Map.of());
    }

    /** The loop only ever calls poll(0): the classic group protocol (brokers without KIP-848) must still join and fetch. */
    @Test
    void theSameWithTheClassicGroupProtocol() throws Exception {
        run(Map.of("kafka.consumer.group.protocol", "classic",
                "kafka.consumer.partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"));
    }

    /**
     * The same against a broker in a process of its own ({@code EmbeddedKafkaMain}), reached only by its
     * address, as {@code SLUICE_TEST_KAFKA_BOOTSTRAP} would point the whole suite at an existing cluster.
     */
    @Test
    void theSameAgainstABrokerInAnotherProcess() throws Exception {
        Path log = Files.createTempFile("external-kafka", ".log");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m"));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.embedded.EmbeddedKafkaMain"));
        Process broker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String prefix = "embedded Kafka serving at ";
            await().atMost(Duration.ofSeconds(90)).until(() -> !broker.isAlive()
                    || Files.readString(log).contains(prefix));
            String out = Files.readString(log);
            assertThat(broker.isAlive()).as("the broker process; its log:\n" + out).isTrue();
            String bootstrap = out.substring(out.indexOf(prefix) + prefix.length()).lines().findFirst().orElseThrow().trim();
            run(Map.of("kafka.bootstrap-servers", bootstrap));
        } finally {
            broker.destroy();
            broker.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void run(Map<String, String> extra) throws Exception {
        Map<String, String> overrides = new HashMap<>(Map.of("slots.limit", "10", "worker.max-in-flight", "8"));
        overrides.putAll(extra);
        // The downstream admits 20, twice the pool's 10: a breach of the pool's cap would show in its peak.
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(20)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(20)))).start();
             StackFixture stack = new StackFixture(sim.url(), overrides)) {
            List<Long> orgs = LongStream.rangeClosed(1, 2_000).boxed().toList();
            for (int i = 0; i < 3; i++) {
                stack.startWorker("w" + i);
            }
            // All three own their share before work arrives, so no rebalance redelivers a batch mid-run.
            await().atMost(Duration.ofSeconds(60)).until(() -> stack.workers.stream()
                    .allMatch(w -> w.loop().assignedPartitions() == 2));
            long t0 = System.nanoTime();
            stack.publish("r-e2e", orgs, 25);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().size() == orgs.size());

            System.out.printf("e2e: %d orgs projected in %d ms%n", orgs.size(), (System.nanoTime() - t0) / 1_000_000);
            Map<Long, List<ProjectionResult>> results = stack.resultsByOrg();
            assertThat(results.keySet()).containsExactlyElementsOf(orgs);
            io.sluice.job.Job spike = new io.sluice.jobs.spike.SpikeProjectionJob();   // its own check: the formula on the simulator's data
            for (long org : orgs) {
                assertThat(results.get(org)).as("results of org %d", org).hasSize(1);
                byte[] value = io.sluice.jobs.spike.ProjectionCodec.encode(results.get(org).getFirst());
                assertThat(spike.mismatch(new io.sluice.job.Job.Work("r-e2e", org, StackFixture.WINDOW), value,
                        StackFixture.truth(sim.data()))).as("projection of org %d", org).isNull();
            }
            SimulatorStats stats = sim.stats();
            assertThat(stats.maxPeakInFlight()).as("peak at the downstream vs the pool limit").isLessThanOrEqualTo(10);
            assertThat(stats.rateLimited()).isZero();
            long pauses = stack.workers.stream().mapToLong(w -> w.loop().pauses()).sum();
            assertThat(pauses).as("the pool refused someone: the contention was real").isPositive();
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).isEmpty();
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
        }
    }
}
