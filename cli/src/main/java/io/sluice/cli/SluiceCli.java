package io.sluice.cli;

import io.sluice.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one command tree over everything Sluice does. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceVersion.class,
        description = "Runs fleet-wide batch jobs against a concurrency-limited query service, gated by a Redis slot pool.",
        subcommands = {CommandLine.HelpCommand.class, WorkerCommand.class, OrchestratorCommand.class, ReplayCommand.class,
                SlotsCommand.class})
public final class SluiceCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if ("json".equalsIgnoreCase(System.getenv("SLUICE_LOG_FORMAT"))) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
            // Errors printed by commands (exit 1/2 messages, usage) as JSON lines too, not plain text.
            System.setErr(new java.io.PrintStream(new io.sluice.logging.JsonErrorStream(System.err, java.time.Clock.systemUTC()),
                    true, java.nio.charset.StandardCharsets.UTF_8));
        }
        System.exit(commandLine().execute(args));
    }

    /** Config errors exit 2 with a one-line message naming the key; other failures exit 1. */
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
            c.getErr().println("error: " + e);
            return 1;
        });
        // local, snuba-sim, bench, chaos: only in the full jar, not in the production image's.
        OptionalCommands.register(cmd);
        return cmd;
    }
}
