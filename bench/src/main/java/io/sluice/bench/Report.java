package io.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints one round: every figure in its table comes from that one round. */
final class Report {
    static final ObjectMapper JSON = new ObjectMapper();

    private Report() {}

    /** The one-minute load average, or -1 where the platform has none. */
    static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static void print(PrintStream out, BenchOptions o, int round, List<String> order, double loadBefore, double loadAfter,
                      String floor, List<BenchResult> results, List<BenchResult.Raw> raws) {
        out.printf("%nslots bench round %d of %d: %d client(s) x %d threads, L=%d, hold t=%d ms, measured %.1fs after %.1fs"
                        + " warm-up; ideal %.0f grants/s; order %s; %d cores, load average %.2f -> %.2f%n", round + 1, o.rounds(),
                o.clients(), o.threads(), o.limit(), o.hold().toMillis(), o.duration().toMillis() / 1e3,
                o.warmUp().toMillis() / 1e3, o.limit() / (o.hold().toNanos() / 1e9), String.join(",", order),
                Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        if (floor != null) {
            out.println(floor);
        }
        out.printf("%-19s %9s %6s %5s %5s %8s %8s %8s %8s %8s %7s %7s %7s %6s %8s %9s %9s%n", "contender", "grants/s", "util",
                "peak", "over", "hand-p50", "hand-p99", "acq-p50", "acq-p99", "acq-p999", "jain-t", "jain-c", "skipped",
                "errors", "cmd/s", "cmd/grant", "eval/grnt");
        for (BenchResult r : results) {
            out.printf("%-19s %9.1f %6.3f %5d %5d %8.2f %8.2f %8.2f %8.2f %8.2f %7.4f %7.4f %7d %6d %8s %9s %9s%n", r.contender(),
                    r.throughputPerS(), r.utilization(), r.peakConcurrency(), r.overLimitGrants(), r.handoffP50Ms(),
                    r.handoffP99Ms(), r.acquireP50Ms(), r.acquireP99Ms(), r.acquireP999Ms(), r.jainThreads(), r.jainClients(),
                    r.skipped(), r.errors(), fmt(r.redisCommandsPerS(), "%.0f"), fmt(r.redisCommandsPerGrant(), "%.2f"),
                    fmt(r.scriptCallsPerGrant(), "%.2f"));
        }
        if (!raws.isEmpty()) {
            out.printf("raw acquire+release pairs/s (1 client, limit 1,000,000, no hold, %.1fs):%n", o.rawDuration().toMillis() / 1e3);
            for (BenchResult.Raw r : raws) {
                out.printf("%-19s %10.0f pairs/s  %s cmd/pair  %d errors (%d threads)%n", r.contender(), r.pairsPerS(),
                        fmt(r.redisCommandsPerPair(), "%.2f"), r.errors(), r.threads());
            }
        }
        for (BenchResult r : results) {
            if (r.poolMeters() != null && r.contender().equals("sluice")) {
                long rechecked = r.poolMeters().getOrDefault("sluice.slots.tickets.rechecked", 0L);
                long requeued = r.poolMeters().getOrDefault("sluice.slots.tickets.requeued", 0L);
                out.printf("sluice tickets: %d re-checked by the fallback (%.0f/s, %.2f per grant), %d re-queued at the tail"
                        + " (their ticket was gone)%n", rechecked, rechecked / r.seconds(), rechecked / (double) Math.max(1, r.grants()),
                        requeued);
            }
            Long usec = r.redisCommands() == null ? null : r.redisCommands().get(CommandStats.SCRIPT_USEC);
            Long scripts = r.redisCommands() == null ? null : r.redisCommands().get("evalsha");
            if (usec != null && scripts != null) {
                out.printf("%s script time: %.1f µs per EVALSHA (Redis' own usec, %d calls)%n", r.contender(), usec / (double) scripts, scripts);
            }
            if (r.floorDuring() != null) {
                Floor.Figures f = r.floorDuring();
                out.printf("%s window, floor under its load (%d probes): %s; hand-off p99 = %.1f x that delivery p99%n", r.contender(),
                        f.samples(), f, r.handoffP99Ms() / f.pubsubP99Ms());
            }
            out.printf("%s: %s; redis commands %s%s%s%n", r.contender(), r.settings(), r.redisCommands(),
                    r.poolMeters() == null ? "" : "; pool meters " + r.poolMeters(),
                    r.firstError() == null ? "" : "; first error: " + r.firstError());
        }
    }

    /** One round's entry of the JSON: what {@link #print} showed. {@code floor} null: not measured. */
    static Map<String, Object> round(List<String> order, String floor, double loadBefore, double loadAfter,
                                     List<BenchResult> results, List<BenchResult.Raw> raws) {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("order", order);
        if (floor != null) {
            r.put("floor", floor);
        }
        r.put("loadBefore", loadBefore);
        r.put("loadAfter", loadAfter);
        r.put("results", results);
        r.put("raw", raws);
        return r;
    }

    static String json(BenchOptions o, List<Map<String, Object>> rounds) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", Java " + Runtime.version());
        report.put("args", String.join(" ", o.toArgs()));
        report.put("rounds", rounds);
        // As before rounds existed: the last round's figures at the top level.
        report.put("results", rounds.getLast().get("results"));
        report.put("raw", rounds.getLast().get("raw"));
        return JSON.writeValueAsString(report);
    }

    private static String fmt(Double v, String format) {
        return v == null ? "-" : String.format(format, v);
    }
}
