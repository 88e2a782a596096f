package io.sluice.chaos;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI chaos run: real worker and orchestrator processes from the packaged jar, every kind of
 * fault at least once (seed 11, 90 s fault window, a 5 s stall), then every invariant checked.
 * Runs in {@code verify} after the jar is built; about three minutes on two cores.
 */
class ChaosIT {

    @Test
    void no_org_is_lost_nothing_else_is_dead_lettered_and_the_cap_holds_through_every_fault() throws Exception {
        ChaosRun.Options options = ChaosRun.Options.defaults(11)
                .withOrgs(1600)
                .withFaultWindow(Duration.ofSeconds(90))
                .withStall(Duration.ofSeconds(5))
                .withTimeout(Duration.ofMinutes(3));
        ChaosReport report = new ChaosRun(options, System.out).run();
        ChaosRun.writeJson(report, Path.of("target", "chaos-ci-report.json"));

        assertThat(report.violations()).as(report.render()).isEmpty();
        assertThat(report.lostOrgs()).isZero();
        assertThat(report.wrongResults()).isZero();
        assertThat(report.regressedOrgs()).isZero();
        assertThat(report.peakInFlight()).isLessThanOrEqualTo(report.poolLimit());
        assertThat(report.poolInUseAtEnd()).isZero();
        assertThat(report.uncommittedPartitions()).isEmpty();
        assertThat(report.poisonProduced()).isNotEmpty();
        assertThat(report.unexpectedDeadLetters()).isEmpty();
        assertThat(report.missingDeadLetters()).isEmpty();
        assertThat(report.faults()).extracting(FaultInjector.Injected::kind).contains(
                "worker-kill", "redis-restart", "kafka-restart", "error-storm", "rate-limit-storm", "slowdown", "stall",
                "poison", "worker-join", "worker-leave", "orchestrator-kill", "orchestrator-resume", "redis-epoch-change",
                "redis-older-epoch", "slow-past-timeout", "watermarks-lost", "older-window-replay");
    }
}
