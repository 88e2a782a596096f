package io.sluice.cli;

import io.sluice.bench.BenchOptions;
import io.sluice.bench.SlotBench;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice bench ...}: benchmarks that print figures (commands, not timed tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks against the design's anchors.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:help or version printed", "2:bad usage (no subcommand: slots, adaptive or classes)"},
        subcommands = {BenchCommand.Slots.class, BenchAdaptiveCommand.class, BenchClassesCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw UsageErrors.missingSubcommand(spec);
    }

    /** {@code sluice bench slots}: see {@link SlotBench}. */
    @Command(name = "slots", mixinStandardHelpOptions = true,
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:the table printed", "1:a run failed", "2:bad usage"},
            description = {"The slot pool vs the seed's polling counter, Redisson's RPermitExpirableSemaphore and a fair JDK Semaphore,"
                    + " on an embedded Redis, as a fleet of --clients pool clients sharing --threads.",
                    "Redisson runs in a child JVM from bench/target/sluice-bench.jar (its own Netty)."})
    static final class Slots implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--clients", paramLabel = "N", description = "Independent pool clients N, each with its own connections like a pod (default: ${DEFAULT-VALUE}).", defaultValue = "1")
        int clients;
        @Option(names = "--threads", paramLabel = "N", description = "Concurrent callers C in all, dealt out over the clients (default: ${DEFAULT-VALUE}).", defaultValue = "200")
        int threads;
        @Option(names = "--limit", paramLabel = "N", description = "Limit L (default: ${DEFAULT-VALUE}).", defaultValue = "50")
        int limit;
        @Option(names = "--hold", paramLabel = "DURATION", description = "Hold time t per grant (default: ${DEFAULT-VALUE}).", defaultValue = "20ms")
        String hold;
        @Option(names = "--warm-up", paramLabel = "DURATION", description = "Warm-up before measuring (default: ${DEFAULT-VALUE}).", defaultValue = "3s")
        String warmUp;
        @Option(names = "--duration", paramLabel = "DURATION", description = "Measured duration D (default: ${DEFAULT-VALUE}).", defaultValue = "10s")
        String duration;
        @Option(names = "--give-up", paramLabel = "DURATION", description = "The polling counter skips after this (default: ${DEFAULT-VALUE}).", defaultValue = "10s")
        String giveUp;
        @Option(names = "--raw-threads", paramLabel = "N", description = "Threads for raw acquire+release pairs (default: ${DEFAULT-VALUE}).", defaultValue = "64")
        int rawThreads;
        @Option(names = "--raw-duration", paramLabel = "DURATION", description = "Duration of the raw pairs run, 0s for none (default: ${DEFAULT-VALUE}).", defaultValue = "5s")
        String rawDuration;
        @Option(names = "--contenders", paramLabel = "NAME", split = ",", description = "Any of sluice, polling-counter, redisson, jdk-fair-semaphore (default: all).",
                defaultValue = "sluice,polling-counter,redisson,jdk-fair-semaphore")
        List<String> contenders;
        @Option(names = "--rotate", paramLabel = "N", description = "Start the run order this many places later (default: ${DEFAULT-VALUE}).", defaultValue = "0")
        int rotate;
        @Option(names = "--rounds", paramLabel = "N", description = "Rounds, each a full table, the order rotated by one each round (default: ${DEFAULT-VALUE}).", defaultValue = "1")
        int rounds;
        @Option(names = "--redis", paramLabel = "URI", description = "Use this Redis instead of starting an embedded one.")
        String redis;
        @Option(names = "--json", description = "Also print one JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            BenchOptions o;
            try {
                o = new BenchOptions(clients, threads, limit, BenchOptions.duration(hold), BenchOptions.duration(warmUp),
                        BenchOptions.duration(duration), BenchOptions.duration(giveUp), rawThreads,
                        BenchOptions.duration(rawDuration), contenders, rotate, rounds, json, redis);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            SlotBench.run(o);
            return 0;
        }
    }
}
