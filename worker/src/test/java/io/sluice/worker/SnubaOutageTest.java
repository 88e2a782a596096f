package io.sluice.worker;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The downstream goes away mid-run and comes back on the same port: connection errors are failed
 * attempts, retried with back-off, and with enough {@code worker.retry.max-attempts} every org is
 * projected and none dead-lettered.
 */
class SnubaOutageTest {
    private static double retried(MeterRegistry registry) {
        return registry.counter("sluice.worker.orgs", "outcome", "retried").count();
    }

    @Test
    void orgsFailingWhileSnubaIsDownAreRetriedAndAllProjectedWhenItReturns() {
        SnubaSimulator.Options options = SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(20)));
        SnubaSimulator first = new SnubaSimulator(options).start();
        int port = first.port();
        SnubaSimulator second = null;
        try (StackFixture stack = new StackFixture(first.url(), Map.of("slots.limit", "4",
                "worker.retry.max-attempts", "100", "worker.retry.initial-backoff", "100ms",
                "worker.retry.max-backoff", "500ms", "snuba.timeout", "2s"))) {
            List<Long> orgs = LongStream.rangeClosed(1, 300).boxed().toList();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Worker worker = stack.startWorker("w0", registry);
            stack.publish("r-snuba-outage", orgs, 25);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stack.resultsByOrg().size() >= 20);

            first.stop();
            long okBefore = first.stats().ok();
            // Connection errors are failed attempts: they pile up as retries while the downstream is gone.
            double retriedBefore = retried(registry);
            await().atMost(Duration.ofSeconds(30)).until(() -> retried(registry) >= retriedBefore + 20);
            assertThat(stack.resultsByOrg().size()).as("the outage hit mid-run").isLessThan(orgs.size());
            assertThat(worker.loop().gateHealthy()).as("a downstream outage is not a pool outage").isTrue();

            second = new SnubaSimulator(options.withPort(port)).start();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
            assertThat(stack.readAll(stack.config.kafka().topics().deadLetter())).as("no org dead-lettered").isEmpty();
            assertThat(retried(registry)).isGreaterThanOrEqualTo(20);
            assertThat(okBefore + second.stats().ok()).isGreaterThanOrEqualTo(orgs.size());
        } finally {
            first.close();
            if (second != null) {
                second.close();
            }
        }
    }
}
