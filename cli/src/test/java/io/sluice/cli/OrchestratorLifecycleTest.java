package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;

import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.kafka.TopicReader;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.messages.MessageCodec;
import io.sluice.orchestrator.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code sluice orchestrator run} as a real process against the shared broker and Redis: SIGTERM
 * gives the resumable exit code and the rerun completes the plan; a second publisher is refused
 * naming the holder, and takes over once the holder was SIGKILLed and its lease expired.
 */
class OrchestratorLifecycleTest {
    @TempDir
    Path dir;

    private Path config(String pacing) throws IOException {
        return Files.writeString(dir.resolve("c-" + pacing + ".yaml"), String.join("\n",
                "kafka:",
                "  bootstrap-servers: " + SharedServers.kafka().bootstrapServers(),
                "  topics:",
                "    batches: " + batches,
                "    results: " + batches + "-results",
                "    dead-letter: " + batches + "-dlt",
                "    partitions: 2",
                "redis:",
                "  uri: " + SharedServers.redis().uri(),
                "orchestrator:",
                "  batch-size: 5",
                "  pacing: " + pacing,
                "  lease-ttl: 3s",
                "  max-backlog: 0",
                "metrics:",
                "  port: 0",
                ""));
    }

    private final String batches = SharedServers.uniqueName("life-batches");

    private static Process sluice(Path log, String... args) throws IOException {
        return CliProcess.start(log, args);
    }

    private RunRecord record(String runId) {
        try (RedisRunLedger ledger = new RedisRunLedger(SharedServers.redis().uri(), Duration.ofSeconds(2))) {
            return ledger.find(runId).orElse(null);
        }
    }

    private List<Long> publishedSeqs(Path cfg) {
        SluiceConfig c = new ConfigLoader().load(cfg, Map.of(), Map.of());
        List<Long> seqs = new ArrayList<>();
        for (var r : new TopicReader(c.kafka()).readAll(batches, Duration.ofSeconds(20))) {
            try {
                seqs.add(MessageCodec.decodeBatch(r.value()).seq());
            } catch (Exception e) {
                throw new AssertionError("undecodable batch on " + batches, e);
            }
        }
        return seqs.stream().sorted().toList();
    }

    @Test
    void sigtermExitsResumableAndTheRerunPublishesTheRest() throws Exception {
        Path cfg = config("300ms");
        String runId = SharedServers.uniqueName("r-term");
        Path log = dir.resolve("term.log");
        Process p = sluice(log, "orchestrator", "run", "--config", cfg.toString(), "--run-id", runId, "--orgs-range", "1..100");
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            RunRecord r = record(runId);
            return r != null && r.lastAckedSeq() >= 2;
        });
        p.destroy();   // SIGTERM, as a node drain sends
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(RunResult.EXIT_RESUMABLE);
        long stoppedAt = record(runId).lastAckedSeq();
        assertThat(stoppedAt).isBetween(2L, 18L);
        Cli.Result stopped = Cli.run(new SluiceCli(), "orchestrator", "status", "--config", cfg.toString(), "--run-id", runId,
                "--json", "--no-backlog");
        assertThat(stopped.exit()).as(stopped.toString()).isZero();
        JsonNode s = MessageCodec.mapper().readTree(stopped.out());
        assertThat(s.path("state").asText()).as(stopped.out()).isEqualTo("INTERRUPTED_RESUMABLE");
        assertThat(s.path("batchesPublished").isIntegralNumber()).as(stopped.out()).isTrue();
        assertThat(s.path("batchesPublished").asLong()).isEqualTo(stoppedAt + 1);
        assertThat(s.path("batchesTotal").asLong()).isEqualTo(20);
        assertThat(Duration.parse(s.path("pacing").asText())).isEqualTo(Duration.ofMillis(300));
        Cli.Result human = Cli.run(new SluiceCli(), "orchestrator", "status", "--config", cfg.toString(), "--run-id", runId, "--no-backlog");
        assertThat(human.out()).contains("INTERRUPTED_RESUMABLE").contains("sluice orchestrator run --run-id " + runId);

        Path cfgFast = config("0ms");
        Cli.Result rerun = Cli.run(new SluiceCli(), "orchestrator", "run", "--config", cfgFast.toString(), "--run-id", runId,
                "--orgs-range", "1..100");
        assertThat(rerun.exit()).as(rerun.toString()).isZero();
        assertThat(publishedSeqs(cfg)).containsExactlyElementsOf(LongStream.range(0, 20).boxed().toList());

        Cli.Result status = Cli.run(new SluiceCli(), "orchestrator", "status", "--config", cfgFast.toString(),
                "--run-id", runId, "--json");
        assertThat(status.exit()).as(status.toString()).isZero();
        JsonNode done = MessageCodec.mapper().readTree(status.out());
        assertThat(done.path("state").asText()).isEqualTo("FINISHED");
        assertThat(done.path("batchesPublished").isIntegralNumber() && done.path("batchesPublished").asLong() == 20).as(status.out()).isTrue();
    }

    @Test
    void aSecondPublisherIsRefusedNamingTheHolderAndTakesOverAfterTheHolderIsKilled() throws Exception {
        Path slow = config("500ms");
        String runId = SharedServers.uniqueName("r-held");
        Process holder = sluice(dir.resolve("holder.log"), "orchestrator", "run", "--config", slow.toString(),
                "--run-id", runId, "--orgs-range", "1..200");
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            RunRecord r = record(runId);
            return r != null && r.lastAckedSeq() >= 1;
        });
        Path fast = config("0ms");
        String[] args = {"orchestrator", "run", "--config", fast.toString(), "--run-id", runId, "--orgs-range", "1..200"};
        Cli.Result refused = Cli.run(new SluiceCli(), args);
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(RunResult.EXIT_FAILED);
        Cli.Result status = Cli.run(new SluiceCli(), "orchestrator", "status", "--config", fast.toString(), "--run-id", runId,
                "--no-backlog");
        assertThat(status.out()).contains("/pid " + holder.pid() + "/");

        holder.destroyForcibly();   // SIGKILL: no release, the lease must expire by itself
        assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (RedisRunLedger ledger = new RedisRunLedger(SharedServers.redis().uri(), Duration.ofSeconds(2))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ledger.holder(runId).isEmpty());
        }
        Cli.Result took = Cli.run(new SluiceCli(), args);
        assertThat(took.exit()).as(took.toString()).isZero();
        assertThat(publishedSeqs(fast)).containsAll(LongStream.range(0, 40).boxed().toList());
    }
}
