package io.sluice.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN 11's config conventions at the command line: SLUICE_CONFIG, --set, -c on every command, and
 * an unknown SLUICE_* variable exiting 2 before anything connects (servers are a tripwire that counts connections).
 */
class ConfigConventionsTest {
    @TempDir
    Path dir;
    private BadConfigTest.Tripwire tripwire;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        tripwire = new BadConfigTest.Tripwire();
        ConfigOption.environment = () -> env;
    }

    @AfterEach
    void tearDown() throws Exception {
        ConfigOption.environment = System::getenv;
        tripwire.close();
    }

    private Path config(String extra) throws Exception {
        return Files.writeString(dir.resolve("c" + System.nanoTime() + ".yaml"), """
                kafka:
                  bootstrap-servers: %s
                redis:
                  uri: redis://%s
                snuba:
                  url: http://%s
                metrics:
                  bind: 127.0.0.1
                  port: 0
                """.formatted(tripwire.address(), tripwire.address(), tripwire.address()) + extra);
    }

    private Cli.Result sluice(String... args) {
        CommandLine cmd = SluiceCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Cli.Result(cmd.execute(args), out.toString(), err.toString());
    }

    @Test
    void aMisspelledSluiceVariableExits2NamingItBeforeConnecting() throws Exception {
        env.put("SLUICE_SLOTS_LIMT", "60");
        env.put("SLUICE_SERVICE_HOST", "10.0.0.7");   // a service link: ignored
        Cli.Result r = sluice("worker", "--config", config("").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("SLUICE_SLOTS_LIMT names no config key", "did you mean SLUICE_SLOTS_LIMIT?");
        assertThat(tripwire.connections.get()).isZero();
    }

    @Test
    void sluiceConfigNamesTheFileWhenThereIsNoFlag() throws Exception {
        env.put("SLUICE_CONFIG", config("slots:\n  limt: 5\n").toString());
        for (String[] args : new String[][] {{"worker"}, {"slots", "status"}, {"replay", "--group", "g", "--to-earliest"},
                {"orchestrator", "status"}, {"orchestrator", "run", "--orgs-range", "1..10"}}) {
            Cli.Result r = sluice(args);
            assertThat(r.exit()).as("%s: %s", String.join(" ", args), r).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).contains("unknown key 'slots.limt'");
        }
        assertThat(tripwire.connections.get()).isZero();
    }

    @Test
    void setOverridesAKeyAndIsCheckedLikeTheFile() throws Exception {
        Path f = config("");
        Cli.Result typo = sluice("worker", "-c", f.toString(), "--set", "slots.limt=5");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("unknown key 'slots.limt' from flag", "did you mean 'slots.limit'?");
        Cli.Result range = sluice("slots", "status", "-c", f.toString(), "--set", "slots.limit=0");
        assertThat(range.exit()).isEqualTo(2);
        assertThat(range.err()).contains("slots.limit: 0 is out of range");
        Cli.Result duration = sluice("orchestrator", "run", "-c", f.toString(), "--set", "orchestrator.pacing=soon", "--orgs-range", "1..9");
        assertThat(duration.exit()).isEqualTo(2);
        assertThat(duration.err()).contains("orchestrator.pacing: 'soon' is not a duration");
        assertThat(tripwire.connections.get()).isZero();
    }

    @Test
    void everyConnectingCommandTakesDashCAndSet() {
        CommandLine root = SluiceCli.commandLine();
        for (String[] path : new String[][] {{"worker"}, {"replay"}, {"slots"}, {"slots", "status"}, {"slots", "set-limit"},
                {"slots", "reap"}, {"orchestrator", "run"}, {"orchestrator", "status"}}) {
            CommandLine c = root;
            for (String p : path) c = c.getSubcommands().get(p);
            assertThat(c.getCommandSpec().findOption("-c")).as(String.join(" ", path) + " -c").isNotNull();
            assertThat(c.getCommandSpec().findOption("--config")).as(String.join(" ", path) + " --config").isNotNull();
            assertThat(c.getCommandSpec().findOption("--set")).as(String.join(" ", path) + " --set").isNotNull();
        }
    }
}
