package io.sluice.chaos;

import io.sluice.chaos.FaultPlan.Kind;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.EnumSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class FaultPlanTest {

    @Test
    void the_same_seed_gives_the_same_plan_and_another_seed_another() {
        FaultPlan a = FaultPlan.draw(42, Duration.ofSeconds(90), Duration.ofSeconds(5));
        FaultPlan b = FaultPlan.draw(42, Duration.ofSeconds(90), Duration.ofSeconds(5));
        FaultPlan c = FaultPlan.draw(43, Duration.ofSeconds(90), Duration.ofSeconds(5));
        assertThat(a).isEqualTo(b);
        assertThat(a.faults()).isNotEqualTo(c.faults());
    }

    @Test
    void every_kind_strikes_at_least_once_inside_the_window_in_time_order() {
        for (long seed = 0; seed < 50; seed++) {
            FaultPlan plan = FaultPlan.draw(seed, Duration.ofSeconds(90), Duration.ofSeconds(5));
            assertThat(plan.faults().stream().map(FaultPlan.Planned::kind).collect(Collectors.toSet()))
                    .isEqualTo(EnumSet.allOf(Kind.class));
            assertThat(plan.faults()).isSortedAccordingTo((x, y) -> x.at().compareTo(y.at()));
            plan.faults().stream().filter(f -> f.kind() != Kind.WORKER_LEAVE).forEach(f ->
                    assertThat(f.at().plus(f.length())).isLessThanOrEqualTo(Duration.ofSeconds(90)));
            FaultPlan.Planned join = plan.faults().stream().filter(f -> f.kind() == Kind.WORKER_JOIN).findFirst().orElseThrow();
            FaultPlan.Planned leave = plan.faults().stream().filter(f -> f.kind() == Kind.WORKER_LEAVE).findFirst().orElseThrow();
            assertThat(leave.at()).isGreaterThanOrEqualTo(join.at().plusSeconds(10));
            plan.faults().stream().filter(f -> f.kind() == Kind.STALL)
                    .forEach(f -> assertThat(f.length()).isEqualTo(Duration.ofSeconds(5)));
        }
    }

    @Test
    void a_longer_window_gets_more_faults() {
        FaultPlan ci = FaultPlan.draw(7, Duration.ofSeconds(90), Duration.ofSeconds(5));
        FaultPlan longer = FaultPlan.draw(7, Duration.ofMinutes(5), Duration.ofSeconds(20));
        assertThat(longer.faults().size()).isGreaterThan(ci.faults().size());
        assertThat(longer.faults().stream().filter(f -> f.kind() == Kind.REDIS_RESTART).count()).isEqualTo(2);
    }

    @Test
    void bad_flags_exit_2_with_the_flag_named() {
        StringWriter err = new StringWriter();
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            CommandLine cli = new CommandLine(new ChaosCommand()).setErr(new PrintWriter(err));
            assertThat(cli.execute("--limit", "50", "--downstream-limit", "40")).isEqualTo(2);
            assertThat(cli.execute("--duration", "soon")).isEqualTo(2);
            assertThat(cli.execute("--duration", "5s")).isEqualTo(2);
        } finally {
            System.setErr(saved);
        }
        String messages = captured.toString();
        System.out.println(messages);
        assertThat(messages).contains("--downstream-limit 40 is below --limit 50").contains("--duration").contains("soon");
    }
}
