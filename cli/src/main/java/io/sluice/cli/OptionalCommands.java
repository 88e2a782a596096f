package io.sluice.cli;

import picocli.CommandLine;

import java.util.List;

/**
 * Subcommands that need the {@code embedded} module (in-process broker, Redis launcher, Snuba
 * simulator) or the benchmark. The production jar ({@code cli/target/sluice-prod.jar}, what the
 * container images run) leaves that module out, so these are added by class name, and only when
 * the embedded module is on the class path; a listed class that does not exist yet is skipped.
 */
public final class OptionalCommands {
    /** Present only in the full jar; its absence means "production image". */
    static final String EMBEDDED_MARKER = "io.sluice.embedded.EmbeddedKafka";
    static final List<String> CLASS_NAMES = List.of(
            "io.sluice.cli.SnubaSimCommand",
            "io.sluice.cli.LocalCommand",
            "io.sluice.cli.BenchCommand",
            "io.sluice.chaos.ChaosCommand");

    private OptionalCommands() {
    }

    /** Adds every optional command whose class exists, if the embedded module is present; skips names already there. */
    public static void register(CommandLine root) {
        if (!present(EMBEDDED_MARKER)) {
            return;
        }
        for (String name : CLASS_NAMES) {
            Class<?> type = load(name);
            if (type == null) {
                continue;
            }
            CommandLine sub = new CommandLine(type, root.getFactory());
            // Idempotent, and harmless while a command is still also listed statically in SluiceCli.
            if (!root.getSubcommands().containsKey(sub.getCommandName())) {
                root.addSubcommand(sub);
            }
        }
    }

    static boolean present(String className) {
        return load(className) != null;
    }

    private static Class<?> load(String className) {
        try {
            return Class.forName(className, false, OptionalCommands.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
