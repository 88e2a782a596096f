package io.sluice.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Errors read the same from every command: one line starting {@code error: } (so JSON log mode makes one
 * object of it, not one per line of usage text), exit 2 for usage, no exception class names.
 */
class UsageErrorsTest {
    @Test
    void aUsageErrorIsOneLinePointingAtHelp() {
        Cli.Result r = Cli.run(SluiceCli.commandLine(), "worker", "--no-such-flag");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).as(r.toString()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("error: Unknown option: '--no-such-flag'").endsWith("(see 'sluice worker --help')"));
    }

    @Test
    void twoReplayTargetsNameBothAndNoPicocliInternals() {
        Cli.Result r = Cli.run(SluiceCli.commandLine(), "replay", "--group", "g", "--to-earliest", "--to-latest");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).as(r.toString()).singleElement().satisfies(l -> assertThat(l)
                .contains("--to-earliest").contains("--to-latest").contains("cannot be combined: give only one of them")
                .doesNotContain("expected only one match"));
    }

    @Test
    void aMisspeltLogFormatIsAnErrorNotASilentFallBack() {
        assertThat(SluiceCli.logFormatError("jsn")).isEqualTo("SLUICE_LOG_FORMAT: 'jsn' is not a log format; valid: json, text");
        assertThat(SluiceCli.logFormatError("json")).isNull();
        assertThat(SluiceCli.logFormatError("TEXT")).isNull();
        assertThat(SluiceCli.logFormatError(null)).isNull();
    }

    @Test
    void aRuntimeFailureNamesNoExceptionClass() throws Exception {
        CommandLine cmd = SluiceCli.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.getExecutionExceptionHandler().handleExecutionException(
                new IllegalStateException("Kafka at 127.0.0.1:1 did not answer within 5s (kafka.common.default.api.timeout.ms)"), cmd, null);
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("error: Kafka at 127.0.0.1:1 did not answer within 5s (kafka.common.default.api.timeout.ms)");
    }
}
