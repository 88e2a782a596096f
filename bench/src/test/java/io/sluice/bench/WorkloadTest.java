package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void aFleetOnTheInProcessSemaphoreNeverExceedsTheLimitAndCountsEveryClient() throws Exception {
        Workload w = new Workload(3, 12, 4, Duration.ofMillis(2), Duration.ofMillis(100), Duration.ofMillis(400), null);
        BenchResult r = w.run(new LocalFairSemaphore(4), () -> null);
        assertThat(r.clients()).isEqualTo(3);
        assertThat(r.threads()).isEqualTo(12);
        assertThat(r.grants()).isPositive();
        assertThat(r.peakConcurrency()).isBetween(1, 4);
        assertThat(r.overLimitGrants()).isZero();
        assertThat(r.errors()).isZero();
        assertThat(r.jainClients()).isBetween(0.0, 1.0);
        assertThat(r.redisCommandsPerGrant()).isNull();
    }

    @Test
    void theRunOrderRotatesEachRound() {
        BenchOptions o = BenchOptions.defaults();
        assertThat(o.order(0)).containsExactly("sluice", "polling-counter", "redisson", "jdk-fair-semaphore");
        assertThat(o.order(1)).containsExactly("polling-counter", "redisson", "jdk-fair-semaphore", "sluice");
        BenchOptions two = o.with("--contenders", "redisson,sluice").with("--rotate", "1");
        assertThat(two.order(0)).containsExactly("redisson", "sluice");
        assertThat(two.order(1)).containsExactly("sluice", "redisson");
    }

    @Test
    void optionsSurviveTheTripToTheChildJvm() {
        BenchOptions o = BenchOptions.parse(new String[] {"--clients", "12", "--threads", "192", "--hold", "1s",
                "--contenders", "redisson", "--redis", "redis://127.0.0.1:7000", "--json"});
        assertThat(BenchOptions.parse(o.toArgs().toArray(String[]::new))).isEqualTo(o);
        assertThat(o.hold()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.contenders()).isEqualTo(List.of("redisson"));
    }
}
