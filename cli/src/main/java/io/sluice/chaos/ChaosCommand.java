package io.sluice.chaos;

import io.sluice.config.ConfigException;
import io.sluice.config.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code sluice chaos}: a seeded chaos run across real processes, with the invariants checked at the end. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"A chaos run: embedded broker, Redis and Snuba simulator here; workers and the orchestrator as separate"
                + " processes.",
                "Kills workers and the orchestrator, restarts Redis (data lost) and Kafka, storms the downstream, injects poison"
                + " records and rebalance churn at times drawn from the seed.",
                "Then checks that no org was lost, every latest result is right, only the poison was dead-lettered, the cap held,"
                + " and offsets and the pool drained.",
                "Needs cli/target/sluice.jar (./sluice builds it)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every invariant held", "1:one did not", "2:bad usage"})
public final class ChaosCommand implements Callable<Integer> {
    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seeds the fault schedule, the data and the simulator (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "2m", description = "Fault window; the batches are paced over it too (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--orgs", paramLabel = "N", defaultValue = "3000", description = "Organizations in the run (default: ${DEFAULT-VALUE}).")
    int orgs;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "3", description = "Worker processes at a time, besides the churn worker (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Slot pool limit (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--downstream-limit", paramLabel = "N", defaultValue = "40", description = "The simulator's own limit before it answers 429 (default: ${DEFAULT-VALUE}).")
    int downstreamLimit;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "25", description = "Orgs per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--pacing", paramLabel = "DURATION", description = "Time between batches (default: spread the batches over the fault window).")
    String pacing;

    @Option(names = "--latency-ms", paramLabel = "N", defaultValue = "50", description = "Median query latency, log-normal (default: ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "16", description = "Queries in flight per worker (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--stall", paramLabel = "DURATION", defaultValue = "20s", description = "How long the downstream stall lasts (default: ${DEFAULT-VALUE}).")
    String stall;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "After the fault window, wait this long at most for the last result (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--work-dir", paramLabel = "FILE", description = "Logs, config and broker data (default: a fresh temp dir).")
    Path workDir;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the summary as JSON to this file.")
    Path report;

    /** Until {@code sluice chaos} is registered: {@code java -cp cli/target/sluice.jar io.sluice.chaos.ChaosCommand ...}. */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new ChaosCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ChaosRun run;
        try {
            Duration pace = pacing == null ? null : Durations.parse("--pacing", pacing);
            run = new ChaosRun(new ChaosRun.Options(seed, orgs, workers, limit, downstreamLimit,
                    Durations.parse("--duration", duration), Durations.parse("--stall", stall), batchSize, pace,
                    Duration.ofMillis(latencyMs), maxInFlight, Durations.parse("--timeout", timeout), workDir), System.out);
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        ChaosReport result = run.run();
        if (report != null) {
            ChaosRun.writeJson(result, report);
            System.out.println("report              " + report);
        }
        return result.passed() ? 0 : 1;
    }
}
