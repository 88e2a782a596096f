package io.sluice.pacing;

import io.sluice.config.ConfigException;

import java.time.Duration;
import java.util.Locale;

/**
 * The pacing a run publishes at, decided at plan time from the configured interval and the
 * {@code finish-within} bound (DESIGN section 11): keep {@code orchestrator.pacing} where the run
 * fits; otherwise shorten it to fit and say so; refuse a new run that even a full pool could not
 * finish in time, with the arithmetic.
 *
 * @param pacing    the interval between batches to use
 * @param planned   how long publishing takes at that interval
 * @param poolBound how long a full pool needs for the orgs ({@code orgs × query-time / limit})
 * @param note      one line for the log and {@code orchestrator status}
 */
public record PaceDecision(Duration pacing, Duration planned, Duration poolBound, String note) {

    /**
     * @param orgs         orgs still to publish
     * @param batches      batches still to publish
     * @param configured   {@code orchestrator.pacing}
     * @param timeLeft     what remains of {@code finish-within} (null or zero: no bound)
     * @param poolLimit    the pool's limit (concurrent queries)
     * @param queryTime    {@code orchestrator.query-time}
     * @param mayRefuse    true at a run's first plan: a run that cannot fit is bad input (exit 2);
     *                     a resume that is late publishes as fast as the backlog allows instead
     */
    public static PaceDecision decide(long orgs, long batches, Duration configured, Duration timeLeft,
                                      int poolLimit, Duration queryTime, boolean mayRefuse) {
        Duration poolBound = Duration.ofNanos((long) Math.ceil((double) orgs * queryTime.toNanos() / poolLimit));
        Duration planned = configured.multipliedBy(batches);
        String arithmetic = String.format(Locale.ROOT, "%,d orgs × %s query time / pool limit %d = %s at a full pool",
                orgs, fmt(queryTime), poolLimit, fmt(poolBound));
        if (timeLeft == null || timeLeft.isZero()) {
            return new PaceDecision(configured, planned, poolBound, String.format(Locale.ROOT,
                    "pacing %s: %,d batches take %s (no finish-within bound); %s", fmt(configured), batches, fmt(planned), arithmetic));
        }
        if (timeLeft.isNegative() || poolBound.compareTo(timeLeft) > 0) {
            String why = String.format(Locale.ROOT, "cannot finish within %s: %s, %s more than the window allows",
                    fmt(timeLeft.isNegative() ? Duration.ZERO : timeLeft), arithmetic,
                    fmt(poolBound.minus(timeLeft.isNegative() ? Duration.ZERO : timeLeft)));
            if (mayRefuse) {
                throw new ConfigException("orchestrator.finish-within", "refused at plan time: the run " + why
                        + "; raise the pool limit (sluice slots set-limit), split the run (--orgs-sample, smaller ranges),"
                        + " or lengthen orchestrator.finish-within");
            }
            return new PaceDecision(Duration.ZERO, Duration.ZERO, poolBound, "late resume, publishing as fast as "
                    + "orchestrator.max-backlog allows: " + why);
        }
        if (planned.compareTo(timeLeft) <= 0) {
            return new PaceDecision(configured, planned, poolBound, String.format(Locale.ROOT,
                    "pacing %s: %,d batches take %s, within finish-within %s; %s", fmt(configured), batches, fmt(planned),
                    fmt(timeLeft), arithmetic));
        }
        Duration fitted = Duration.ofMillis(timeLeft.toMillis() / Math.max(1, batches));
        return new PaceDecision(fitted, fitted.multipliedBy(batches), poolBound, String.format(Locale.ROOT,
                "pacing shortened from %s to %s: at %s, %,d batches would take %s, past finish-within %s; now %s; %s",
                fmt(configured), fmt(fitted), fmt(configured), batches, fmt(planned), fmt(timeLeft),
                fmt(fitted.multipliedBy(batches)), arithmetic));
    }

    /** {@code 22h13m20s}, {@code 1.44s}, {@code 250ms}. */
    public static String fmt(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return (ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(Locale.ROOT, "%.3f", ms / 1000.0)
                    .replaceAll("0+$", "")) + "s";
        }
        long s = d.toSeconds();
        StringBuilder b = new StringBuilder();
        if (s >= 3600) b.append(s / 3600).append('h');
        if (s % 3600 >= 60) b.append(s % 3600 / 60).append('m');
        if (s % 60 > 0) b.append(s % 60).append('s');
        return b.toString();
    }
}
