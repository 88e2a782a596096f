package io.sluice.cli;

import io.sluice.adaptive.AdaptiveBench;
import io.sluice.config.Durations;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice bench adaptive}: see {@link AdaptiveBench}. */
@Command(name = "adaptive", mixinStandardHelpOptions = true,
        description = "The adaptive limit on the Snuba simulator, sharing its limit with a second caller whose load steps.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the table and chart written", "1:the run failed", "2:bad usage"})
final class BenchAdaptiveCommand implements Callable<Integer> {
    @Option(names = "--downstream-limit", paramLabel = "N", description = "The simulator's limit per referrer (default: ${DEFAULT-VALUE}).", defaultValue = "100")
    int downstreamLimit;
    @Option(names = "--other", paramLabel = "N", split = ",", description = "The other caller's concurrent queries, one phase each (default: ${DEFAULT-VALUE}).",
            defaultValue = "0,40,10")
    int[] other;
    @Option(names = "--phase", paramLabel = "DURATION", description = "Length of each phase (default: ${DEFAULT-VALUE}).", defaultValue = "20s")
    String phase;
    @Option(names = "--start-limit", paramLabel = "N", description = "The pool's limit at the start (default: ${DEFAULT-VALUE}).", defaultValue = "50")
    int startLimit;
    @Option(names = "--min-limit", paramLabel = "N", description = "The pool's slots.min-limit (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    int minLimit;
    @Option(names = "--max-limit", paramLabel = "N", description = "The pool's slots.max-limit (default: ${DEFAULT-VALUE}).", defaultValue = "100")
    int maxLimit;
    @Option(names = "--step", paramLabel = "DURATION", description = "Time between two controller steps (default: ${DEFAULT-VALUE}).", defaultValue = "1s")
    String step;
    @Option(names = "--latency", paramLabel = "DURATION", description = "Median query latency (default: ${DEFAULT-VALUE}).", defaultValue = "50ms")
    String latency;
    @Option(names = "--chart", paramLabel = "FILE", description = "PNG to write (default: ${DEFAULT-VALUE}).", defaultValue = "sluice-adaptive.png")
    Path chart;

    @Override
    public Integer call() throws Exception {
        AdaptiveBench.Options o = new AdaptiveBench.Options(downstreamLimit, other, Durations.parse("--phase", phase), startLimit, minLimit,
                maxLimit, Durations.parse("--step", step), Durations.parse("--latency", latency), chart);
        System.out.printf("bench adaptive: downstream limit %d per referrer, other caller %s per %s phase, pool %d..%d from %d, "
                        + "step %s, latency median %s, %d Sluice callers%n", downstreamLimit, java.util.Arrays.toString(other), phase,
                minLimit, maxLimit, startLimit, step, latency, AdaptiveBench.DEMAND);
        List<AdaptiveBench.Phase> phases = new AdaptiveBench().run(o, System.out);
        System.out.println(AdaptiveBench.table(phases));
        System.out.println("chart " + chart.toAbsolutePath());
        return 0;
    }
}
