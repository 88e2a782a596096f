package io.sluice.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.metrics.HealthState;
import io.sluice.metrics.MetricsServer;
import io.sluice.orchestrator.OrchestratorRun;
import io.sluice.orchestrator.RunResult;
import io.sluice.orgs.FileOrgSource;
import io.sluice.orgs.JdbcOrgSource;
import io.sluice.orgs.OrgSample;
import io.sluice.orgs.OrgSource;
import io.sluice.orgs.RangeOrgSource;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code sluice orchestrator run}: plan a run's batches and publish them paced, resumable by run id. */
@Command(name = "orchestrator", mixinStandardHelpOptions = true,
        description = "Publishes paced batches of organization ids to the batches topic.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:help or version printed", "2:bad usage (no subcommand: run or status)"},
        subcommands = {OrchestratorCommand.Run.class, OrchestratorStatus.class})
public final class OrchestratorCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw UsageErrors.missingSubcommand(spec);
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"One run: read the orgs, cut them into batches, publish them paced.",
                    "Rerun with the same --run-id after a crash or SIGTERM to resume after the last acknowledged batch."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:finished: every batch published",
                    "1:any other failure, for example another orchestrator holds the run",
                    "2:bad usage or configuration, including a run that cannot finish within orchestrator.finish-within",
                    "3:stopped (SIGTERM) or interrupted (broker, Redis, lost run lease) before the last batch: rerun with the"
                            + " same --run-id to resume the frozen plan"})
    static final class Run implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @picocli.CommandLine.Mixin
        ConfigOption config;

        @Option(names = "--run-id", paramLabel = "ID", description = "Run id to start or resume (default: r-yyyyMMdd'T'HHmm'Z' of the start time, "
                + "followed by -NAME for a --job other than spike-projection).")
        String runId;

        @Option(names = "--class", paramLabel = "CLASS",
                description = "The slot pool class every batch names: workers take their slots in it instead of their slots.class.")
        String slotClass;

        @Option(names = "--job", paramLabel = "NAME", defaultValue = "spike-projection",
                description = "The job whose batches to publish; sluice jobs lists those on the class path (default: ${DEFAULT-VALUE}).")
        String job;

        @Option(names = "--force", description = "Run a finished run again from the start (it reads the org source again).")
        boolean force;

        @Option(names = OrgSample.FLAG, paramLabel = "P%", description = "Canary: a stable hash-based subset of the orgs, for example 10%% (10%% is inside 50%%).")
        String sample;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Orgs orgs;

        static final class Orgs {
            @Option(names = RangeOrgSource.FLAG, paramLabel = "A..B", description = "Org ids A to B inclusive.")
            String range;

            @Option(names = FileOrgSource.FLAG, paramLabel = "PATH", description = "One org id per line; # comments and blank lines are allowed.")
            Path file;

            @ArgGroup(exclusive = false)
            Jdbc jdbc;
        }

        static final class Jdbc {
            @Option(names = JdbcOrgSource.FLAG, required = true, paramLabel = "URL",
                    description = "PostgreSQL JDBC URL; credentials in the URL or in SLUICE_ORGS_JDBC_USER and SLUICE_ORGS_JDBC_PASSWORD.")
            String url;

            @Option(names = JdbcOrgSource.QUERY_FLAG, paramLabel = "SQL",
                    description = "Query whose first column is the org id (default: " + JdbcOrgSource.DEFAULT_QUERY + ").")
            String query;
        }

        @Override
        public Integer call() {
            OrchestratorRun run;
            PrometheusMeterRegistry registry = io.sluice.metrics.SluiceRegistry.create();
            MetricsServer metrics;
            try {
                SluiceConfig cfg = config.load();
                OrgSample subset = sample == null ? OrgSample.ALL : OrgSample.parse(sample);
                if (slotClass != null && !slotClass.matches("[A-Za-z0-9_.-]+")) {
                    throw new ConfigException("--class", "--class '" + slotClass + "' must be a class of the pool's declaration "
                            + "(letters, digits, '_', '.', '-'; see sluice slots describe)");
                }
                io.sluice.job.Jobs jobs = io.sluice.job.Jobs.configured(cfg);
                if (jobs.find(job).isEmpty()) {
                    throw new ConfigException("--job", "--job '" + job + "' is not a job on the class path; jobs: " + jobs.names());
                }
                run = OrchestratorRun.builder(cfg, source()).runId(runId).force(force).sample(subset).slotClass(slotClass)
                        .job(jobs.get(job)).registry(registry).build();
                metrics = serveMetrics(cfg, registry);
            } catch (ConfigException e) {
                return usage(e);
            }
            CountDownLatch done = new CountDownLatch(1);
            AtomicInteger exitCode = new AtomicInteger(1);
            Thread hook = new Thread(() -> {
                run.requestStop();
                try {
                    // Let the batch in flight be acknowledged and recorded before the JVM exits.
                    if (done.await(60, TimeUnit.SECONDS)) {
                        // A JVM ended by SIGTERM exits 143 and System.exit from main blocks during
                        // shutdown; end with the run's own code (3: stopped, resumable).
                        System.out.flush();
                        System.err.flush();
                        Runtime.getRuntime().halt(exitCode.get());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-orchestrator-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                RunResult result = run.run();
                if (result.outcome() == RunResult.Outcome.FAILED) {
                    System.err.println("error: " + result.error());
                }
                exitCode.set(result.exitCode());
                return result.exitCode();
            } catch (ConfigException e) {
                exitCode.set(2);
                return usage(e);
            } finally {
                if (metrics != null) {
                    metrics.close();
                }
                done.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is already running; it returns once done is counted down
                }
            }
        }

        /** /metrics for Prometheus while the run lasts; a taken port costs the metrics, not the run. */
        private static MetricsServer serveMetrics(SluiceConfig cfg, PrometheusMeterRegistry registry) {
            try {
                return MetricsServer.start(cfg.metrics().bind(), cfg.metrics().port(), registry, new HealthState());
            } catch (IOException e) {
                System.err.println("warning: no /metrics on " + cfg.metrics().bind() + ":" + cfg.metrics().port() + ": " + e.getMessage());
                return null;
            }
        }

        private OrgSource source() {
            if (orgs.range != null) {
                return RangeOrgSource.parse(orgs.range);
            }
            if (orgs.file != null) {
                return new FileOrgSource(orgs.file);
            }
            return JdbcOrgSource.open(orgs.jdbc.url, orgs.jdbc.query, System.getenv());
        }

        private int usage(ConfigException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        }
    }
}
