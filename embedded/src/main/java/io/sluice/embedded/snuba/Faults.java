package io.sluice.embedded.snuba;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Set;

/**
 * Faults the simulator injects, changeable at run time ({@code POST /admin/faults} or
 * {@link SnubaSimulator#faults(Faults)}); each request draws from the seeded RNG.
 *
 * @param errorRatio    share of admitted queries answered 500, in [0, 1]
 * @param extra429Ratio share of queries answered 429 even below the concurrency limit, in [0, 1]
 * @param slowdown      latency multiplier, > 0 (1, or 0/absent in JSON, = none)
 * @param stall         hold admitted queries (in flight) until un-stalled or the simulator's max stall
 * @param failOrgs      orgs whose queries always get 500
 * @param slowRatio     share of admitted queries held {@code slowMillis} instead of the latency model's draw, in
 *                      [0, 1]: a downstream whose slow queries outlast the client's timeout. Like ClickHouse, the
 *                      simulator keeps running a query (and counting it in flight) after its client hung up.
 * @param slowMillis    how long a slow query runs, >= 0
 */
public record Faults(
        @JsonProperty("errorRatio") double errorRatio,
        @JsonProperty("extra429Ratio") double extra429Ratio,
        @JsonProperty("slowdown") double slowdown,
        @JsonProperty("stall") boolean stall,
        @JsonProperty("failOrgs") Set<Long> failOrgs,
        @JsonProperty("slowRatio") double slowRatio,
        @JsonProperty("slowMillis") long slowMillis) {

    public Faults {
        requireRatio("errorRatio", errorRatio);
        requireRatio("extra429Ratio", extra429Ratio);
        if (slowdown == 0) {
            slowdown = 1; // absent from JSON
        }
        if (!(slowdown > 0) || Double.isInfinite(slowdown)) {
            throw new IllegalArgumentException("slowdown " + slowdown + " is invalid; valid: a finite number > 0 (1 = none)");
        }
        failOrgs = failOrgs == null ? Set.of() : Set.copyOf(failOrgs);
        requireRatio("slowRatio", slowRatio);
        if (slowMillis < 0) {
            throw new IllegalArgumentException("slowMillis " + slowMillis + " is invalid; valid: >= 0");
        }
    }

    public static Faults none() {
        return new Faults(0, 0, 1, false, Set.of(), 0, 0);
    }

    public Faults withErrorRatio(double ratio) {
        return new Faults(ratio, extra429Ratio, slowdown, stall, failOrgs, slowRatio, slowMillis);
    }

    public Faults withExtra429Ratio(double ratio) {
        return new Faults(errorRatio, ratio, slowdown, stall, failOrgs, slowRatio, slowMillis);
    }

    public Faults withSlowdown(double factor) {
        return new Faults(errorRatio, extra429Ratio, factor, stall, failOrgs, slowRatio, slowMillis);
    }

    public Faults withStall(boolean stalled) {
        return new Faults(errorRatio, extra429Ratio, slowdown, stalled, failOrgs, slowRatio, slowMillis);
    }

    public Faults withFailOrgs(Set<Long> orgs) {
        return new Faults(errorRatio, extra429Ratio, slowdown, stall, orgs, slowRatio, slowMillis);
    }

    /** A {@code ratio} of admitted queries runs {@code latency} (past a client timeout, say) instead of the model's draw. */
    public Faults withSlowQueries(double ratio, java.time.Duration latency) {
        return new Faults(errorRatio, extra429Ratio, slowdown, stall, failOrgs, ratio, latency.toMillis());
    }

    private static void requireRatio(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " " + value + " is invalid; valid: 0..1");
        }
    }
}
