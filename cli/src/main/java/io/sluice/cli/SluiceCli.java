package io.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one command tree over everything Sluice does. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Runs fleet-wide batch jobs against a concurrency-limited query service, gated by a Redis slot pool.",
        subcommands = {CommandLine.HelpCommand.class, OrchestratorCommand.class})
public final class SluiceCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SluiceCli()).execute(args));
    }
}
