package io.sluice.cli;

import io.sluice.bench.SlotBench;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice bench ...}: benchmarks that print figures (commands, not timed tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks against the design's anchors.",
        subcommands = {BenchCommand.Slots.class, BenchAdaptiveCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code sluice bench slots}: see {@link SlotBench}. */
    @Command(name = "slots", mixinStandardHelpOptions = true,
            description = "The slot pool vs the seed's polling counter, Redisson's RPermitExpirableSemaphore and a fair JDK Semaphore, on an embedded Redis.")
    static final class Slots implements Callable<Integer> {
        @Option(names = "--threads", description = "Concurrent callers C (default ${DEFAULT-VALUE}).", defaultValue = "200")
        int threads;
        @Option(names = "--limit", description = "Limit L (default ${DEFAULT-VALUE}).", defaultValue = "50")
        int limit;
        @Option(names = "--hold", description = "Hold time t per grant (default ${DEFAULT-VALUE}).", defaultValue = "20ms")
        String hold;
        @Option(names = "--warm-up", description = "Warm-up before measuring (default ${DEFAULT-VALUE}).", defaultValue = "3s")
        String warmUp;
        @Option(names = "--duration", description = "Measured duration D (default ${DEFAULT-VALUE}).", defaultValue = "10s")
        String duration;
        @Option(names = "--give-up", description = "The polling counter skips after this (default ${DEFAULT-VALUE}).", defaultValue = "10s")
        String giveUp;
        @Option(names = "--raw-threads", description = "Threads for raw acquire+release pairs (default ${DEFAULT-VALUE}).", defaultValue = "64")
        int rawThreads;
        @Option(names = "--raw-duration", description = "Duration of the raw pairs run (default ${DEFAULT-VALUE}).", defaultValue = "5s")
        String rawDuration;
        @Option(names = "--contenders", split = ",", description = "Any of sluice, polling-counter, redisson, jdk-fair-semaphore (default all).",
                defaultValue = "sluice,polling-counter,redisson,jdk-fair-semaphore")
        Set<String> contenders;
        @Option(names = "--redis", description = "Use this Redis instead of starting an embedded one.")
        String redis;
        @Option(names = "--json", description = "Also print one JSON object.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            SlotBench.run(new SlotBench.Options(threads, limit, SlotBench.duration(hold), SlotBench.duration(warmUp),
                    SlotBench.duration(duration), SlotBench.duration(giveUp), rawThreads, SlotBench.duration(rawDuration),
                    contenders, json, redis));
            return 0;
        }
    }
}
