package io.sluice.cli;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.embedded.snuba.SyntheticData;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice snuba-sim}: the Snuba simulator as a standalone server, until Ctrl-C. */
@Command(name = "snuba-sim", mixinStandardHelpOptions = true,
        description = "Runs the Snuba simulator (POST /{dataset}/snql, GET /stats, POST /admin/faults) until Ctrl-C.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped (Ctrl-C or SIGTERM)", "1:could not start (for example the port is taken)", "2:bad usage"})
public final class SnubaSimCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", defaultValue = "1218", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Concurrent queries per referrer before 429 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--latency-ms", paramLabel = "N", description = "Fixed latency per query in ms (default: log-normal, median 200 ms, sigma 0.5).")
    Long latencyMs;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the synthetic data and of the latency and fault draws (default: "
            + SyntheticData.DEFAULT_SEED + ").")
    Long seed;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port " + port + " is out of range; valid: 0..65535");
        }
        if (limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit " + limit + " is invalid; valid: >= 1");
        }
        if (latencyMs != null && latencyMs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--latency-ms " + latencyMs + " is negative; valid: >= 0");
        }
        SnubaSimulator.Options options = SnubaSimulator.Options.defaults().withHost(bind).withPort(port).withLimit(limit);
        if (latencyMs != null) {
            options = options.withLatency(LatencyModel.fixed(Duration.ofMillis(latencyMs)));
        }
        if (seed != null) {
            options = options.withSeed(seed);
        }
        SnubaSimulator simulator = new SnubaSimulator(options).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.stop();
            stopped.countDown();
        }, "snuba-sim-stop"));
        spec.commandLine().getOut().printf("Snuba simulator listening on %s (limit %d per referrer, %s, seed %d); Ctrl-C stops it%n",
                simulator.url(), limit, latencyMs == null ? "log-normal latency, median 200 ms" : latencyMs + " ms latency",
                options.seed());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
