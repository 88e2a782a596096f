package io.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Bad usage, for every command alike: one line, {@code error: <what is wrong> (see 'sluice X --help')},
 * exit 2. The full usage text is what {@code --help} is for; printed after every error it became dozens
 * of log objects in JSON mode.
 */
final class UsageErrors {
    /** picocli's message for two arguments of an exclusive group: "expected only one match but got X={a} and Y={b}". */
    private static final Pattern ONLY_ONE = Pattern.compile("expected only one match but got .*?=\\{([^}]*)\\} and .*=\\{([^}]*)\\}$",
            Pattern.DOTALL);

    private UsageErrors() {
    }

    static int handle(CommandLine.ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        String message = readable(e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        c.getErr().println("error: " + message + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
        return 2;
    }

    /** The exception a parent command throws when it is given no subcommand. */
    static CommandLine.ParameterException missingSubcommand(CommandSpec spec) {
        List<String> names = spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
        return new CommandLine.ParameterException(spec.commandLine(), "missing subcommand; valid: " + String.join(", ", names));
    }

    static String readable(String message) {
        String m = message == null ? "bad usage" : message.replaceFirst("^(?i)error: ", "");
        Matcher only = ONLY_ONE.matcher(m);
        if (only.find()) {
            return only.group(1) + " and " + only.group(2) + " cannot be combined: give only one of them";
        }
        return m.lines().map(String::strip).collect(Collectors.joining(" "));
    }
}
