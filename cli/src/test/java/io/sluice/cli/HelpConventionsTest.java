package io.sluice.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One help convention over every command, read from picocli's model of the whole tree (the full jar's
 * optional commands included):
 * <ul>
 *   <li>every description line, of a command or of an option, is whole sentences: it starts with a
 *       capital (or a config key or flag) and ends with a full stop, so no sentence breaks across lines;</li>
 *   <li>no "e.g."/"i.e." (picocli's wrapping breaks them after the first full stop);</li>
 *   <li>every command lists its exit codes in picocli's exit-code section, 0 and 2 at least;</li>
 *   <li>defaults are written one way, "(default: X)";</li>
 *   <li>every value placeholder is named (FILE, N, DURATION), never picocli's {@code <fieldName>}.</li>
 * </ul>
 */
class HelpConventionsTest {
    private static final Pattern SENTENCE_START = Pattern.compile("^([A-Z]|--|[a-z][a-z-]*\\.[a-z.-]+|[0-9]).*", Pattern.DOTALL);
    private static final Pattern BAD_DEFAULT = Pattern.compile("\\(default [^:]|\\(default\\)|(?<!\\()[Dd]efault: |Default is|defaults to");

    @Test
    void everyCommandFollowsTheHelpConvention() {
        List<String> problems = new ArrayList<>();
        List<CommandSpec> commands = commands();
        assertThat(commands).extracting(CommandSpec::qualifiedName)
                .contains("sluice worker", "sluice orchestrator run", "sluice orchestrator status", "sluice replay",
                        "sluice slots set-limit", "sluice local", "sluice snuba-sim", "sluice bench adaptive", "sluice chaos");
        for (CommandSpec c : commands) {
            String name = c.qualifiedName();
            for (String line : c.usageMessage().description()) {
                sentence(problems, name + " description", line);
            }
            Map<String, String> exits = c.usageMessage().exitCodeList();
            List<String> codes = exits.keySet().stream().map(String::strip).toList();
            if (!codes.contains("0") || !codes.contains("2")) {
                problems.add(name + ": lists no exit codes 0 and 2 (exitCodeList: " + exits + ")");
            }
            for (ArgSpec a : c.args()) {
                if (a instanceof OptionSpec o && (o.usageHelp() || o.versionHelp())) continue;
                String arg = name + " " + (a instanceof OptionSpec o ? o.longestName() : a.paramLabel());
                for (String line : a.description()) {
                    sentence(problems, arg, line);
                }
                if (a.arity().max() > 0 && a.paramLabel().startsWith("<")) {
                    problems.add(arg + ": placeholder " + a.paramLabel() + " is picocli's field name; give paramLabel (N, DURATION, FILE)");
                }
            }
        }
        assertThat(problems).as("help convention breaches").isEmpty();
    }

    /** The rendered help, as a user reads it: "e.g." never split by the wrapping, nothing cut mid-sentence. */
    @Test
    void renderedHelpNeverSplitsAnAbbreviation() {
        for (CommandSpec c : commands()) {
            StringWriter out = new StringWriter();
            c.commandLine().usage(new PrintWriter(out));
            assertThat(out.toString()).as(c.qualifiedName()).doesNotContainPattern("\\be\\.\\s*\\n\\s*g\\.");
        }
    }

    /** A parent command given no subcommand is bad usage everywhere: exit 2, naming the valid ones. */
    @Test
    void aParentWithoutSubcommandExitsTwoNamingTheSubcommands() {
        for (CommandSpec c : commands()) {
            if (c.subcommands().isEmpty()) continue;
            List<String> path = new ArrayList<>(List.of(c.qualifiedName().split(" ")));
            path.removeFirst();
            Cli.Result r = Cli.run(SluiceCli.commandLine(), path.toArray(String[]::new));
            assertThat(r.exit()).as(c.qualifiedName() + " " + r).isEqualTo(2);
            assertThat(r.err()).as(c.qualifiedName()).startsWith("error: missing subcommand; valid: ");
        }
    }

    /** README's command table has a row for every command that does something (every leaf of the tree). */
    @Test
    void theReadmeCommandTableListsEveryCommand() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Commands"));
        section = section.substring(0, section.indexOf("\n## ", 4));
        List<String> rows = section.lines().filter(l -> l.startsWith("| `sluice ")).map(l -> l.split("(?<!\\\\)\\|")[1].strip().replace("`", "").replace("\\|", "|")).toList();
        List<String> missing = new ArrayList<>();
        for (CommandSpec c : commands()) {
            if (!c.subcommands().isEmpty()) continue;
            String[] words = c.qualifiedName().split(" ");
            String parent = String.join(" ", java.util.Arrays.copyOf(words, words.length - 1));
            String leaf = words[words.length - 1];
            boolean listed = rows.stream().anyMatch(r -> r.startsWith(c.qualifiedName())
                    || (r.startsWith(parent + " ") && java.util.regex.Pattern.compile("(^|[ (|])" + leaf + "([ )|]|$)").matcher(r.substring(parent.length())).find()));
            if (!listed) missing.add(c.qualifiedName());
        }
        assertThat(missing).as("commands without a row in README's command table (rows: %s)", rows).isEmpty();
    }

    private static void sentence(List<String> problems, String where, String line) {
        String l = line.strip().replace("%n", "");
        if (l.isEmpty()) return;
        if (!SENTENCE_START.matcher(l).matches() || !l.endsWith(".")) {
            problems.add(where + ": not whole sentences: \"" + l + "\"");
        }
        if (l.contains("e.g.") || l.contains("i.e.")) {
            problems.add(where + ": \"e.g.\"/\"i.e.\" (write \"for example\"/\"that is\"): \"" + l + "\"");
        }
        if (BAD_DEFAULT.matcher(l).find()) {
            problems.add(where + ": write defaults as \"(default: X)\": \"" + l + "\"");
        }
    }

    static List<CommandSpec> commands() {
        List<CommandSpec> out = new ArrayList<>();
        walk(SluiceCli.commandLine(), out);
        return out;
    }

    private static void walk(CommandLine cl, List<CommandSpec> out) {
        if (cl.getCommand() instanceof CommandLine.HelpCommand) return;
        out.add(cl.getCommandSpec());
        cl.getSubcommands().values().forEach(sub -> walk(sub, out));
    }
}
