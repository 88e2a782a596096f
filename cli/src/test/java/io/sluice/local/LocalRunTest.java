package io.sluice.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.cli.SluiceCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice local} end to end: its own broker, Redis and simulator, as a user runs it. */
class LocalRunTest {
    @TempDir
    Path dir;

    private LocalReport run(LocalRun.Options options) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LocalReport report = new LocalRun(options, new PrintStream(buf, true), false).run();
        System.out.println(buf);
        return report;
    }

    @Test
    void aGatedRunProjectsEveryOrgUnderThePoolLimitAndWritesReportAndChart() throws Exception {
        Path chart = dir.resolve("chart.png");
        Path json = dir.resolve("report.json");
        // Pool limit 10, downstream limit 100: the downstream would admit a breach, so its peak shows one.
        LocalReport r = run(new LocalRun.Options(200, 2, 10, 100, Duration.ofMillis(20), Duration.ZERO, 25, 16, true,
                chart, json, Duration.ofMinutes(3)));

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("orgsProjected").asLong()).isEqualTo(200);
        assertThat(report.get("orgsTotal").asLong()).isEqualTo(200);
        assertThat(report.get("peakDownstreamInFlight").asInt()).isBetween(1, 10);
        assertThat(report.get("rateLimited").asLong()).isZero();
        assertThat(report.get("deadLetters").asLong()).isZero();
        assertThat(r.pauses()).as("2 workers x 16 in flight against 10 slots must be refused sometimes").isPositive();
        byte[] png = Files.readAllBytes(chart);
        assertThat(png).hasSizeGreaterThan(1000);
        assertThat(new byte[]{png[1], png[2], png[3]}).isEqualTo("PNG".getBytes());
    }

    @Test
    void withoutSlotsTheDownstreamIsOverrunYetNoOrgIsLost() throws Exception {
        LocalReport r = run(new LocalRun.Options(200, 2, 10, 5, Duration.ofMillis(20), Duration.ZERO, 25, 16, false,
                dir.resolve("chart.png"), null, Duration.ofMinutes(3)));
        assertThat(r.rateLimited()).as("32 offered against a limit of 5").isPositive();
        assertThat(r.orgsProjected()).isEqualTo(200);
        assertThat(r.peakDownstreamInFlight()).isLessThanOrEqualTo(5);   // the simulator refuses beyond its limit
        assertThat(r.peakOffered()).as("what the fleet tried to run at once").isGreaterThan(5);
    }

    @Test
    void badFlagsExit2WithTheFlagNamed() {
        StringWriter err = new StringWriter();
        CommandLine cmd = SluiceCli.commandLine();
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("local", "--orgs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--orgs must be >= 1");
        assertThat(cmd.execute("local", "--pacing", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("--pacing");
    }
}
