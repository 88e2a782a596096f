package io.sluice.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice jobs} lists what ServiceLoader finds; a bad job setting or an unknown --job exits 2 before connecting. */
class JobsCommandTest {

    @Test
    void listsBothShippedJobsWithTheirTopicsAndClasses() {
        Cli.Result r = Cli.run(new JobsCommand(), "--set", "jobs.dynamic-sampling.slot-class=backfill");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("dynamic-sampling\\s+1\\s+sluice.dynamic-sampling\\s+backfill")
                .containsPattern("spike-projection\\s+1\\s+sluice.spike-projections\\s+\\(the worker's slots.class\\)");
        Cli.Result classed = Cli.run(new JobsCommand(), "--set", "jobs.spike-projection.slot-class=live");
        assertThat(classed.out()).containsPattern("spike-projection\\s+1\\s+sluice.spike-projections\\s+live");
        Cli.Result json = Cli.run(new JobsCommand(), "--json");
        assertThat(json.out().lines()).hasSize(2).allMatch(l -> l.startsWith("{\"job\":"));
    }

    @Test
    void aBadJobSettingExitsTwoNamingTheKey() {
        Cli.Result r = Cli.run(new JobsCommand(), "--set", "jobs.dynamic-sampling.target-rate=2");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("jobs.dynamic-sampling.target-rate").contains("2");
        Cli.Result none = Cli.run(new JobsCommand(), "--set", "jobs.spike-projektion.x=1");
        assertThat(none.exit()).as(none.toString()).isEqualTo(2);
        assertThat(none.err()).contains("no job named 'spike-projektion'").contains("dynamic-sampling, spike-projection");
    }

    @Test
    void anUnknownJobExitsTwoBeforeConnecting() {
        // Nothing listens on these ports: exit 2 (not 1 after a connection timeout) shows nothing was dialled.
        Cli.Result r = Cli.run(new OrchestratorCommand(), "run", "--job", "spike-projektion", "--orgs-range", "1..10",
                "--set", "kafka.bootstrap-servers=127.0.0.1:1", "--set", "redis.uri=redis://127.0.0.1:1");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("--job 'spike-projektion' is not a job on the class path; jobs: dynamic-sampling, spike-projection");
    }
}
