package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.Durations;
import io.sluice.local.LocalReport;
import io.sluice.local.LocalRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code sluice local}: the whole job in one process on embedded defaults. */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Run a job (spike projection unless --job) end to end in one process: an embedded KRaft broker, Redis,"
                + " the Snuba simulator, one orchestrator run and W workers.",
                "Prints live progress and a final report, checks every org's result against the simulator's own data, and"
                        + " writes a chart of in-flight queries."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every org has its result, exact", "1:not every org has an exact result within --timeout, or a part failed",
                "2:bad usage"})
public final class LocalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--orgs", paramLabel = "N", defaultValue = "2000", description = "Organizations to project (default: ${DEFAULT-VALUE}).")
    int orgs;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "3", description = "Workers (each its own consumer and pool client) (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "Slot pool limit (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--downstream-limit", paramLabel = "N", defaultValue = "100", description = "The simulator's concurrency limit before it answers 429 (default: ${DEFAULT-VALUE}).")
    int downstreamLimit;

    @Option(names = "--latency-ms", paramLabel = "N", defaultValue = "200", description = "Median query latency, log-normal (default: ${DEFAULT-VALUE}).")
    int latencyMs;

    @Option(names = "--pacing", paramLabel = "DURATION", description = "Time between batches, for example 500ms, 2s or 0s (default: spread the batches over about a minute).")
    String pacing;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "25", description = "Orgs per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "64", description = "Queries in flight per worker; the offered load is workers x this (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--no-slots", description = "Run without the slot pool, the way the original incident ran.")
    boolean noSlots;

    @Option(names = "--chart", paramLabel = "FILE", defaultValue = "sluice-local/chart.png", description = "Where to write the PNG chart (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the final report as JSON to this file.")
    Path report;

    @Option(names = "--finish-within", paramLabel = "DURATION", description = "orchestrator.finish-within for the run: the pacing shortens to fit, for example 2m (default: the config default, 20h).")
    String finishWithin;

    @Option(names = "--max-backlog", paramLabel = "N", defaultValue = "-1", description = "orchestrator.max-backlog: hold publishing while this many orgs are published but unfinished (default: the config default, 10000; 0 = off).")
    long maxBacklog;

    @Option(names = "--at-least-once", description = "Write results without Kafka transactions (worker.exactly-once: false), "
            + "for example to measure what exactly-once output costs.")
    boolean atLeastOnce;

    @Option(names = "--consumer-heartbeat", paramLabel = "DURATION", defaultValue = "1s", description = "The embedded broker's KIP-848 heartbeat interval "
            + "(group.consumer.heartbeat.interval.ms): 1s rebalances quickly; 5s is Kafka's default, what a production broker "
            + "runs with, for example to measure what waiting workers cost (default: ${DEFAULT-VALUE}).")
    String consumerHeartbeat;

    @Option(names = "--worker-processes", description = "Run each worker as a `sluice worker` process of its own against this process's "
            + "broker, Redis and simulator (the production shape), instead of inside this process.")
    boolean workerProcesses;

    @Option(names = "--job", paramLabel = "NAME", defaultValue = "spike-projection",
            description = "The job to run; sluice jobs lists those on the class path (default: ${DEFAULT-VALUE}).")
    String job;

    @Option(names = "--json", description = "Also print the final report (with the run against its minimum) as one JSON line, the last one.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws Exception {
        positive("--orgs", orgs);
        positive("--workers", workers);
        positive("--limit", limit);
        positive("--downstream-limit", downstreamLimit);
        positive("--batch-size", batchSize);
        positive("--max-in-flight", maxInFlight);
        if (latencyMs < 0) {
            throw new ParameterException(spec.commandLine(), "--latency-ms must be >= 0, was " + latencyMs);
        }
        if (batchSize > 1000) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be 1..1000, was " + batchSize);
        }
        Duration pace = pacing == null ? null : duration("--pacing", "0".equals(pacing.trim()) ? "0ms" : pacing);
        Duration give = duration("--timeout", timeout);
        Duration heartbeat = duration("--consumer-heartbeat", consumerHeartbeat);
        if (heartbeat.toMillis() < 500 || heartbeat.compareTo(Duration.ofSeconds(15)) > 0) {
            throw new ParameterException(spec.commandLine(), "--consumer-heartbeat must be 500ms..15s, was " + consumerHeartbeat);
        }
        io.sluice.job.Jobs found = io.sluice.job.Jobs.discover();
        if (found.find(job).isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--job '" + job + "' is not a job on the class path; jobs: " + found.names());
        }
        LocalRun run = new LocalRun(new LocalRun.Options(orgs, workers, limit, downstreamLimit, Duration.ofMillis(latencyMs),
                pace, batchSize, maxInFlight, !noSlots, chart, report, give,
                finishWithin == null ? null : duration("--finish-within", finishWithin), maxBacklog, !atLeastOnce,
                heartbeat, workerProcesses, job), System.out, System.console() != null);
        LocalReport r = run.run();
        if (json) {
            System.out.println(io.sluice.messages.MessageCodec.mapper().writeValueAsString(r));
        }
        if (!r.allProjected()) {
            System.err.printf("error: %d of %d orgs were not projected (%d dead-lettered)%n", r.orgsTotal() - r.orgsProjected(),
                    r.orgsTotal(), r.deadLetters());
            return 1;
        }
        if (run.check() != null && !run.check().allExact()) {
            System.err.printf("error: %d orgs' results differ from the simulator's own data and %d have none (job %s)%n",
                    run.check().wrong().size(), run.check().missing(), run.check().job());
            return 1;
        }
        if (r.slotsEnabled() && r.peakDownstreamInFlight() > r.poolLimit()) {
            System.err.printf("error: the downstream saw %d queries at once, over the pool limit %d%n", r.peakDownstreamInFlight(), r.poolLimit());
            return 1;
        }
        return 0;
    }

    private void positive(String flag, int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), flag + " must be >= 1, was " + value);
        }
    }

    private Duration duration(String flag, String text) {
        try {
            return Durations.parse(flag, text);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
