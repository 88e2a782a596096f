package io.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sluice.embedded.EmbeddedRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@code sluice bench slots}: the slot pool against the seed's polling counter, Redisson's
 * {@code RPermitExpirableSemaphore} and an in-process fair semaphore, on one embedded Redis.
 * Prints a table, and with {@code json} one JSON object on the last line.
 */
public final class SlotBench {

    /** Workload settings; {@link #defaults()} are the issue's: 200 threads, limit 50, hold 20 ms. */
    public record Options(int threads, int limit, Duration hold, Duration warmUp, Duration duration, Duration giveUp,
                          int rawThreads, Duration rawDuration, Set<String> contenders, boolean json, String redisUri) {
        public static Options defaults() {
            return new Options(200, 50, Duration.ofMillis(20), Duration.ofSeconds(3), Duration.ofSeconds(10),
                    Duration.ofSeconds(10), 64, Duration.ofSeconds(5),
                    Set.of("sluice", "polling-counter", "redisson", "jdk-fair-semaphore"), false, null);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--threads" -> o = with(o, "threads", args[++i]);
                case "--limit" -> o = with(o, "limit", args[++i]);
                case "--hold" -> o = with(o, "hold", args[++i]);
                case "--warm-up" -> o = with(o, "warmUp", args[++i]);
                case "--duration" -> o = with(o, "duration", args[++i]);
                case "--give-up" -> o = with(o, "giveUp", args[++i]);
                case "--raw-threads" -> o = with(o, "rawThreads", args[++i]);
                case "--raw-duration" -> o = with(o, "rawDuration", args[++i]);
                case "--contenders" -> o = with(o, "contenders", args[++i]);
                case "--redis" -> o = with(o, "redisUri", args[++i]);
                case "--json" -> o = with(o, "json", "true");
                default -> {
                    System.err.println("unknown option " + a + "; valid: --threads N --limit L --hold DUR --warm-up DUR"
                            + " --duration DUR --give-up DUR --raw-threads N --raw-duration DUR"
                            + " --contenders sluice,polling-counter,redisson,jdk-fair-semaphore --redis URI --json");
                    System.exit(2);
                }
            }
        }
        run(o);
        System.exit(0);
    }

    public static Map<String, Object> run(Options o) throws Exception {
        EmbeddedRedis embedded = null;
        String uri = o.redisUri();
        if (uri == null) {
            embedded = EmbeddedRedis.builder().arg("--maxclients", "10000").build().start();
            uri = embedded.uri();
        }
        try (CommandStats stats = new CommandStats(uri)) {
            Workload workload = new Workload(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration());
            String run = UUID.randomUUID().toString().substring(0, 8);
            List<Workload.Result> results = new ArrayList<>();
            List<Workload.Raw> raws = new ArrayList<>();
            for (String name : List.of("sluice", "polling-counter", "redisson", "jdk-fair-semaphore")) {
                if (!o.contenders().contains(name)) {
                    continue;
                }
                Supplier<Map<String, Long>> commands = name.equals("jdk-fair-semaphore") ? () -> null : stats::snapshot;
                System.err.printf("bench: %s, %d threads, limit %d, hold %s, warm-up %s, measured %s%n", name,
                        o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration());
                try (Contender c = contender(name, uri, "bench-" + run, o.limit(), o)) {
                    results.add(workload.run(c, commands));
                }
                if (!name.equals("jdk-fair-semaphore")) {
                    System.err.printf("bench: %s raw pairs, %d threads, %s%n", name, o.rawThreads(), o.rawDuration());
                    try (Contender c = contender(name, uri, "raw-" + run, 1_000_000, o)) {
                        raws.add(Workload.raw(c, o.rawThreads(), o.rawDuration(), commands));
                    }
                }
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch") + ", Java " + Runtime.version());
            report.put("options", o);
            report.put("results", results);
            report.put("raw", raws);
            print(o, results, raws);
            if (o.json()) {
                System.out.println(new ObjectMapper().findAndRegisterModules()
                        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS).writeValueAsString(report));
            }
            return report;
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private static Contender contender(String name, String uri, String key, int limit, Options o) {
        return switch (name) {
            case "sluice" -> new Contenders.SluicePool(uri, key, limit);
            case "polling-counter" -> new Contenders.PollingCounter(uri, key, limit, o.giveUp());
            case "redisson" -> new Contenders.RedissonSemaphore(uri, key, limit);
            case "jdk-fair-semaphore" -> new Contenders.LocalFairSemaphore(limit);
            default -> throw new IllegalArgumentException("unknown contender " + name);
        };
    }

    private static void print(Options o, List<Workload.Result> results, List<Workload.Raw> raws) {
        System.out.printf("%nslots bench: C=%d threads, L=%d, hold t=%d ms, measured %ds after %ds warm-up; ideal %.0f grants/s; %d cores%n",
                o.threads(), o.limit(), o.hold().toMillis(), o.duration().toSeconds(), o.warmUp().toSeconds(),
                o.limit() / (o.hold().toNanos() / 1e9), Runtime.getRuntime().availableProcessors());
        System.out.printf("%-19s %9s %6s %5s %5s %8s %8s %8s %8s %8s %7s %7s %6s %9s%n", "contender", "grants/s", "util",
                "peak", "over", "hand-p50", "hand-p99", "acq-p50", "acq-p99", "acq-p999", "jain", "skipped", "errors", "cmd/grant");
        for (Workload.Result r : results) {
            System.out.printf("%-19s %9.1f %6.3f %5d %5d %8.2f %8.2f %8.2f %8.2f %8.2f %7.4f %7d %6d %9s%n", r.contender(),
                    r.throughputPerS(), r.utilization(), r.peakConcurrency(), r.overLimitGrants(), r.handoffP50Ms(),
                    r.handoffP99Ms(), r.acquireP50Ms(), r.acquireP99Ms(), r.acquireP999Ms(), r.fairnessJain(), r.skipped(),
                    r.errors(), r.redisCommandsPerGrant() == null ? "-" : String.format("%.2f", r.redisCommandsPerGrant()));
        }
        System.out.printf("%nraw acquire+release pairs/s (%d threads, limit 1,000,000, no hold):%n", o.rawThreads());
        for (Workload.Raw r : raws) {
            System.out.printf("%-19s %10.0f pairs/s  %s cmd/pair%n", r.contender(), r.pairsPerS(),
                    r.redisCommandsPerPair() == null ? "-" : String.format("%.2f", r.redisCommandsPerPair()));
        }
        System.out.println();
        for (Workload.Result r : results) {
            System.out.printf("%s: %s; redis commands %s%n", r.contender(), r.settings(), r.redisCommands());
        }
    }

    private static Options with(Options o, String field, String v) {
        return switch (field) {
            case "threads" -> new Options(Integer.parseInt(v), o.limit(), o.hold(), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "limit" -> new Options(o.threads(), Integer.parseInt(v), o.hold(), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "hold" -> new Options(o.threads(), o.limit(), duration(v), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "warmUp" -> new Options(o.threads(), o.limit(), o.hold(), duration(v), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "duration" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), duration(v), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "giveUp" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), duration(v), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "rawThreads" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), o.giveUp(), Integer.parseInt(v), o.rawDuration(), o.contenders(), o.json(), o.redisUri());
            case "rawDuration" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), duration(v), o.contenders(), o.json(), o.redisUri());
            case "contenders" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), Set.of(v.split(",")), o.json(), o.redisUri());
            case "json" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), true, o.redisUri());
            case "redisUri" -> new Options(o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(), o.giveUp(), o.rawThreads(), o.rawDuration(), o.contenders(), o.json(), v);
            default -> throw new IllegalArgumentException(field);
        };
    }

    /** {@code 250ms}, {@code 2s}, {@code 5m}. */
    public static Duration duration(String v) {
        String s = v.trim();
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> throw new IllegalArgumentException("duration '" + v + "' must look like 250ms, 2s or 5m");
        };
    }
}
