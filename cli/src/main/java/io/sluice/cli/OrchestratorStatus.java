package io.sluice.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.MessageCodec;
import io.sluice.orchestrator.KafkaBacklogProbe;
import io.sluice.pacing.PaceDecision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/** {@code sluice orchestrator status}: one run's progress, backlog, pacing, ETA and holder. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"A run's state (RUNNING, INTERRUPTED_RESUMABLE, FAILED, FINISHED or LATE) and progress: batches and orgs"
                + " published, the workers' backlog, the pacing in force, the ETA against finishBy, and which orchestrator holds it.",
                "An interrupted run shows how to resume it. --json prints the same fields typed: integers, ISO-8601 instants and durations."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown (whatever the run's state)", "1:Redis unreachable, or no such run", "2:bad usage or configuration"})
final class OrchestratorStatus implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    ConfigOption config;

    @Option(names = "--run-id", paramLabel = "ID", description = "The run (default: the most recently started).")
    String runId;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--no-backlog", description = "Do not ask Kafka for the worker group's backlog.")
    boolean noBacklog;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter stdout = spec.commandLine().getOut();
        java.io.PrintWriter stderr = spec.commandLine().getErr();
        SluiceConfig cfg;
        try {
            cfg = config.load();
        } catch (ConfigException e) {
            stderr.println("error: " + e.getMessage());
            return 2;
        }
        try (RedisRunLedger ledger = new RedisRunLedger(cfg.redis().uri(), cfg.redis().timeout())) {
            String id = runId;
            if (id == null) {
                List<String> recent = ledger.recentRuns(1);
                if (recent.isEmpty()) {
                    stderr.println("error: no runs in the ledger at " + cfg.redis().redactedUri());
                    return 1;
                }
                id = recent.getFirst();
            }
            RunRecord r = ledger.find(id).orElse(null);
            if (r == null) {
                stderr.println("error: no run " + id + " in the ledger at " + cfg.redis().redactedUri()
                        + "; recent runs: " + ledger.recentRuns(10));
                return 1;
            }
            OptionalLong backlog = OptionalLong.empty();
            if (!noBacklog) {
                try (KafkaBacklogProbe probe = new KafkaBacklogProbe(cfg, "sluice-orchestrator-status")) {
                    backlog = probe.unfinishedOrgs();
                }
            }
            RunView view = RunView.of(r, ledger.holder(id).orElse(null), cfg.orchestrator().batchSize(), backlog,
                    cfg.kafka().consumer().getOrDefault("group.id", "sluice-workers"), cfg.orchestrator().maxBacklog(), Instant.now());
            if (json) {
                stdout.println(MessageCodec.mapper().writeValueAsString(view.json()));
            } else {
                view.print(stdout);
            }
            stdout.flush();
            return 0;
        } catch (RuntimeException e) {
            stderr.println("error: Redis at " + cfg.redis().redactedUri() + ": " + e.getMessage());
            return 1;
        }
    }
}
