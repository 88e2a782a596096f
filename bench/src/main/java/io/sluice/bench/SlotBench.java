package io.sluice.bench;

import io.sluice.embedded.EmbeddedRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code sluice bench slots}: the slot pool against the seed's polling counter, Redisson's
 * {@code RPermitExpirableSemaphore} (in a child JVM from bench's own jar, see {@link RedissonProcess})
 * and an in-process fair semaphore, on one Redis, as a fleet of {@code clients} pool clients.
 * Prints one table per round (contenders rotated each round) and with {@code json} one JSON
 * object on the last line. Runs inside the CLI, which provides sluice-common and sluice-embedded.
 */
public final class SlotBench {
    private SlotBench() {}

    public static void main(String[] args) throws Exception {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(o);
        System.exit(0);
    }

    public static String run(BenchOptions o) throws Exception {
        EmbeddedRedis embedded = null;
        String uri = o.redisUri();
        if (uri == null) {
            embedded = EmbeddedRedis.builder().arg("--maxclients", "10000").build().start();
            uri = embedded.uri();
        }
        try {
            List<Map<String, Object>> rounds = new ArrayList<>();
            for (int round = 0; round < o.rounds(); round++) {
                rounds.add(round(o, round, uri));
            }
            String json = Report.json(o, rounds);
            if (o.json()) {
                System.out.println(json);
            }
            return json;
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private static Map<String, Object> round(BenchOptions o, int round, String uri) throws Exception {
        List<String> order = o.order(round);
        double loadBefore = Report.load();
        List<BenchResult> results = new ArrayList<>();
        List<BenchResult.Raw> raws = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Workload workload = new Workload(o.clients(), o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), uri);
        String floor = "floor on a quiet machine: " + Floor.measure(uri, 2_000);
        try (CommandStats stats = new CommandStats(uri)) {
            for (String name : order) {
                System.err.printf("bench: round %d, %s, %d clients x %d threads, limit %d, hold %s%n", round + 1, name,
                        o.clients(), o.threads(), o.limit(), o.hold());
                if (name.equals("redisson")) {
                    RedissonProcess.Outcome outcome = RedissonProcess.run(o, uri);
                    results.add(outcome.result());
                    if (outcome.raw() != null) {
                        raws.add(outcome.raw());
                    }
                    continue;
                }
                boolean redis = !name.equals("jdk-fair-semaphore");
                try (Contender c = contender(name, uri, "bench-" + run, o.limit(), o)) {
                    results.add(workload.run(c, redis ? stats::snapshot : () -> null));
                }
                if (redis && !o.rawDuration().isZero()) {
                    try (Contender c = contender(name, uri, "raw-" + run, 1_000_000, o)) {
                        raws.add(Workload.raw(c, o.rawThreads(), o.rawDuration(), stats::snapshot));
                    }
                }
            }
        }
        double loadAfter = Report.load();
        Report.print(System.out, o, round, order, loadBefore, loadAfter, floor, results, raws);
        return Report.round(order, floor, loadBefore, loadAfter, results, raws);
    }

    private static Contender contender(String name, String uri, String key, int limit, BenchOptions o) {
        return switch (name) {
            case "sluice" -> new SluiceContender(uri, key, limit);
            case "polling-counter" -> new PollingCounter(uri, key, limit, o.giveUp());
            case "jdk-fair-semaphore" -> new LocalFairSemaphore(limit);
            default -> throw new IllegalArgumentException("unknown contender " + name);
        };
    }
}
