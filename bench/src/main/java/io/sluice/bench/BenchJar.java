package io.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Main of {@code bench/target/sluice-bench.jar}: the contenders that need no Sluice code
 * (Redisson, the in-process semaphore), on Redisson's own Netty, against {@code --redis URI}.
 * Same options as {@code sluice bench slots}; {@code sluice bench slots} runs it as a child
 * JVM for the Redisson contender and reads the JSON on its last line.
 */
public final class BenchJar {
    static final Set<String> HERE = Set.of("redisson", "jdk-fair-semaphore");

    private BenchJar() {}

    public static void main(String[] args) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
            for (String c : o.contenders()) {
                if (!HERE.contains(c)) {
                    throw new IllegalArgumentException("contender '" + c + "' runs in `sluice bench slots`; this jar runs " + HERE);
                }
            }
            if (o.contenders().contains("redisson") && o.redisUri() == null) {
                throw new IllegalArgumentException("--redis URI is required (e.g. redis://127.0.0.1:6379)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        List<Map<String, Object>> rounds = new ArrayList<>();
        for (int round = 0; round < o.rounds(); round++) {
            rounds.add(round(o, round));
        }
        if (o.json()) {
            System.out.println(Report.json(o, rounds));
        }
        System.exit(0);
    }

    private static Map<String, Object> round(BenchOptions o, int round) throws Exception {
        List<String> order = o.order(round);
        double loadBefore = Report.load();
        List<BenchResult> results = new ArrayList<>();
        List<BenchResult.Raw> raws = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Workload workload = new Workload(o.clients(), o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), o.redisUri());
        for (String name : order) {
            System.err.printf("bench: %s, %d clients x %d threads%n", name, o.clients(), o.threads());
            if (name.equals("jdk-fair-semaphore")) {
                results.add(workload.run(new LocalFairSemaphore(o.limit()), () -> null));
                continue;
            }
            try (CommandStats stats = new CommandStats(o.redisUri())) {
                try (RedissonContender fleet = new RedissonContender(o.redisUri(), "bench-" + run, o.limit(), o.threads(), o.clients())) {
                    results.add(workload.run(fleet, stats::snapshot));
                }
                if (!o.rawDuration().isZero()) {
                    try (RedissonContender one = new RedissonContender(o.redisUri(), "raw-" + run, 1_000_000, o.rawThreads(), 1)) {
                        raws.add(Workload.raw(one, o.rawThreads(), o.rawDuration(), stats::snapshot));
                    }
                }
            }
        }
        double loadAfter = Report.load();
        Report.print(o.json() ? System.err : System.out, o, round, order, loadBefore, loadAfter, null, results, raws);
        return Report.round(order, null, loadBefore, loadAfter, results, raws);
    }
}
