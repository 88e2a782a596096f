package io.sluice.cli;

import io.sluice.embedded.SharedServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class OrchestratorCommandTest {
    @TempDir
    Path dir;

    private int sluice(String... args) {
        return new CommandLine(new SluiceCli()).execute(args);
    }

    private String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void exactlyOneOrgSourceIsRequired() throws Exception {
        Path cfg = Files.writeString(dir.resolve("c.yaml"), "orchestrator:\n  pacing: 0ms\n");
        assertThat(sluice("orchestrator", "run", "--config", cfg.toString())).isEqualTo(2);
        assertThat(sluice("orchestrator", "run", "--config", cfg.toString(), "--orgs-range", "1..5", "--orgs-file", "x")).isEqualTo(2);
    }

    @Test
    void badUsageAndBadConfigExitTwoNamingTheCulprit() throws Exception {
        Path cfg = Files.writeString(dir.resolve("c.yaml"), "orchestrator:\n  batch-sise: 10\n");
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = sluice("orchestrator", "run", "--config", cfg.toString(), "--orgs-range", "1..5"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("error: ").contains("orchestrator.batch-sise").contains("orchestrator.batch-size");

        Path good = Files.writeString(dir.resolve("g.yaml"), "orchestrator:\n  pacing: 0ms\n");
        err = stderrOf(() -> code[0] = sluice("orchestrator", "run", "--config", good.toString(), "--orgs-range", "9..2"));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("--orgs-range").contains("9..2");

        Path orgs = Files.writeString(dir.resolve("orgs.txt"), "1\n2\nthree\n");
        err = stderrOf(() -> code[0] = sluice("orchestrator", "run", "--config", good.toString(), "--orgs-file", orgs.toString()));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains(orgs + ":3:").contains("'three'");
    }

    @Test
    void aRunFinishesWithExitZeroAndRefusesToRunAgainWithoutForce() throws Exception {
        Path cfg = Files.writeString(dir.resolve("c.yaml"), String.join("\n",
                "kafka:",
                "  bootstrap-servers: " + SharedServers.kafka().bootstrapServers(),
                "  topics:",
                "    batches: " + SharedServers.uniqueName("cli-batches"),
                "    results: " + SharedServers.uniqueName("cli-results"),
                "    dead-letter: " + SharedServers.uniqueName("cli-dlt"),
                "    partitions: 1",
                "redis:",
                "  uri: " + SharedServers.redis().uri(),
                "orchestrator:",
                "  pacing: 0ms",
                ""));
        String runId = SharedServers.uniqueName("r-cli");
        String[] args = {"orchestrator", "run", "--config", cfg.toString(), "--run-id", runId, "--orgs-range", "1..60"};
        assertThat(sluice(args)).isZero();
        int[] code = new int[1];
        String err = stderrOf(() -> code[0] = sluice(args));
        assertThat(code[0]).isEqualTo(2);
        assertThat(err).contains("already finished").contains("--force");
        String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        assertThat(sluice(forced)).isZero();
    }
}
