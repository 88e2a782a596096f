package io.sluice.cli;

import io.sluice.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one command tree over everything Sluice does. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceVersion.class,
        description = "Runs fleet-wide batch jobs against a concurrency-limited query service, gated by a Redis slot pool.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:runtime failure", "2:bad usage or configuration (the message names the key or flag)"},
        subcommands = {CommandLine.HelpCommand.class, WorkerCommand.class, OrchestratorCommand.class, JobsCommand.class, ReplayCommand.class,
                SlotsCommand.class})
public final class SluiceCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw UsageErrors.missingSubcommand(spec);
    }

    public static void main(String[] args) {
        String formatError = logFormatError(System.getenv("SLUICE_LOG_FORMAT"));
        if (formatError != null) {
            System.err.println("error: " + formatError);
            System.exit(2);
        }
        if ("json".equalsIgnoreCase(System.getenv("SLUICE_LOG_FORMAT"))) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
            // Errors printed by commands (exit 1/2 messages, usage) as JSON lines too, not plain text.
            System.setErr(new java.io.PrintStream(new io.sluice.logging.JsonErrorStream(System.err, java.time.Clock.systemUTC()),
                    true, java.nio.charset.StandardCharsets.UTF_8));
        }
        System.exit(commandLine().execute(args));
    }

    /** Why {@code SLUICE_LOG_FORMAT} is unusable, or null: a typo must not fall back to text silently. */
    static String logFormatError(String value) {
        if (value == null || value.isBlank() || value.equalsIgnoreCase("json") || value.equalsIgnoreCase("text")) {
            return null;
        }
        return "SLUICE_LOG_FORMAT: '" + value + "' is not a log format; valid: json, text";
    }

    /**
     * Config and usage errors exit 2, other failures 1, each as one line starting {@code error: } (one
     * log object in JSON mode, not one per line of usage text), naming no exception class.
     */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new SluiceCli());
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof io.sluice.slots.UndeclaredPoolException) {
                c.getErr().println("error: " + e.getMessage());
                return 2;
            }
            if (e instanceof ConfigException) {
                c.getErr().println("error: " + e.getMessage());
                return 2;
            }
            c.getErr().println("error: " + (e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage()));
            return 1;
        });
        cmd.setParameterExceptionHandler(UsageErrors::handle);
        // local, snuba-sim, bench, chaos: only in the full jar, not in the production image's.
        OptionalCommands.register(cmd);
        return cmd;
    }
}
