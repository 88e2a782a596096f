package io.sluice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of {@code sluice bench slots} and of the bench jar; defaults are the single
 * client: 200 threads, limit 50, hold 20 ms. Contenders run in {@link #ORDER}, rotated by
 * {@code rotate + round}, so that no contender always runs first (or last) on a busy machine.
 */
public record BenchOptions(int clients, int threads, int limit, Duration hold, Duration warmUp, Duration duration,
                           Duration giveUp, int rawThreads, Duration rawDuration, List<String> contenders, int rotate,
                           int rounds, boolean json, String redisUri) {
    public static final List<String> ORDER = List.of("sluice", "polling-counter", "redisson", "jdk-fair-semaphore");
    static final String USAGE = "--clients N --threads C --limit L --hold DUR --warm-up DUR --duration DUR --give-up DUR"
            + " --raw-threads N --raw-duration DUR (0s: none) --contenders " + String.join(",", ORDER)
            + " --rotate K --rounds R --redis URI --json";

    public BenchOptions {
        contenders = List.copyOf(contenders);
        for (String c : contenders) {
            if (!ORDER.contains(c)) {
                throw new IllegalArgumentException("unknown contender '" + c + "'; valid: " + String.join(", ", ORDER));
            }
        }
        if (clients < 1 || threads < clients) {
            throw new IllegalArgumentException("--clients " + clients + " must be between 1 and --threads (" + threads + ")");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds " + rounds + " must be at least 1");
        }
    }

    public static BenchOptions defaults() {
        return new BenchOptions(1, 200, 50, Duration.ofMillis(20), Duration.ofSeconds(3), Duration.ofSeconds(10),
                Duration.ofSeconds(10), 64, Duration.ofSeconds(5), ORDER, 0, 1, false, null);
    }

    /** The contenders of round {@code round}, in the order they run. */
    List<String> order(int round) {
        List<String> chosen = ORDER.stream().filter(contenders::contains).toList();
        List<String> rotated = new ArrayList<>(chosen);
        if (!chosen.isEmpty()) {
            java.util.Collections.rotate(rotated, -Math.floorMod(rotate + round, chosen.size()));
        }
        return rotated;
    }

    static BenchOptions parse(String[] args) {
        BenchOptions o = defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--json")) {
                o = o.with(a, "true");
            } else if (a.startsWith("--") && i + 1 < args.length) {
                o = o.with(a, args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + a + "; valid: " + USAGE);
            }
        }
        return o;
    }

    /** The same settings as arguments that {@link #parse} reads back. */
    List<String> toArgs() {
        List<String> a = new ArrayList<>(List.of("--clients", "" + clients, "--threads", "" + threads, "--limit", "" + limit,
                "--hold", hold.toMillis() + "ms", "--warm-up", warmUp.toMillis() + "ms", "--duration", duration.toMillis() + "ms",
                "--give-up", giveUp.toMillis() + "ms", "--raw-threads", "" + rawThreads, "--raw-duration",
                rawDuration.toMillis() + "ms", "--contenders", String.join(",", contenders), "--rotate", "" + rotate,
                "--rounds", "" + rounds));
        if (redisUri != null) {
            a.addAll(List.of("--redis", redisUri));
        }
        if (json) {
            a.add("--json");
        }
        return a;
    }

    BenchOptions with(String flag, String v) {
        BenchOptions o = this;
        return switch (flag) {
            case "--clients" -> new BenchOptions(Integer.parseInt(v), o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--threads" -> new BenchOptions(o.clients, Integer.parseInt(v), o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--limit" -> new BenchOptions(o.clients, o.threads, Integer.parseInt(v), o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--hold" -> new BenchOptions(o.clients, o.threads, o.limit, duration(v), o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--warm-up" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, duration(v), o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--duration" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, duration(v), o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--give-up" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, duration(v), o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--raw-threads" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, Integer.parseInt(v), o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--raw-duration" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, duration(v), o.contenders, o.rotate, o.rounds, o.json, o.redisUri);
            case "--contenders" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, List.of(v.split(",")), o.rotate, o.rounds, o.json, o.redisUri);
            case "--rotate" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, Integer.parseInt(v), o.rounds, o.json, o.redisUri);
            case "--rounds" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, Integer.parseInt(v), o.json, o.redisUri);
            case "--json" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, Boolean.parseBoolean(v), o.redisUri);
            case "--redis" -> new BenchOptions(o.clients, o.threads, o.limit, o.hold, o.warmUp, o.duration, o.giveUp, o.rawThreads, o.rawDuration, o.contenders, o.rotate, o.rounds, o.json, v);
            default -> throw new IllegalArgumentException("unknown option " + flag + "; valid: " + USAGE);
        };
    }

    /** {@code 250ms}, {@code 2s}, {@code 5m}. */
    public static Duration duration(String v) {
        String s = v.trim();
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                default -> throw new IllegalArgumentException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("duration '" + v + "' must look like 250ms, 2s or 5m");
        }
    }
}
