package io.sluice.projection;

import io.sluice.messages.ProjectProjection;
import io.sluice.messages.Window;
import io.sluice.snuba.HourlyTotal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turns a week (or {@code historyDays}) of hourly totals into next-day projections, per DESIGN section 6.
 * Results are checked against that contract, so every rounding rule here is the contract's, not a choice.
 *
 * <p>What the contract leaves open, decided here:
 * <ul>
 *   <li>A day is the 24 hours from {@code window.start + d × 24h}; the hour of day is the row's UTC hour.
 *       The window start must be on a whole UTC hour so that each day holds every hour of day once.</li>
 *   <li>The window must span exactly {@code historyDays × 24h}. Anything else means orchestrator and worker
 *       disagree about the history, and a median over a different number of days would be published as if
 *       it were the configured one; so it is refused ({@link IllegalArgumentException}), not adapted to.</li>
 *   <li>Rows outside {@code [start, end)} are ignored: the query already excludes them, and counting them
 *       would shift a median. A project whose rows all lie outside the window is not listed.</li>
 *   <li>Rows for the same project and hour are summed (saturating at {@link Long#MAX_VALUE}): a downstream
 *       that splits a bucket still reports one hour's total. A row not on the hour counts toward the hour
 *       it falls in.</li>
 * </ul>
 */
public final class SpikeProjector {
    private static final int HOURS = ProjectProjection.HOURS;
    private static final Duration HOUR = Duration.ofHours(1);

    private final ProjectionSettings settings;

    public SpikeProjector(ProjectionSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Projects in ascending id; an empty list when no row falls inside the window. */
    public List<ProjectProjection> project(Window window, List<HourlyTotal> rows) {
        checkWindow(window);
        int days = settings.historyDays();
        Map<Long, long[]> buckets = new TreeMap<>();   // projectId -> [day * 24 + hourOfDay]
        for (HourlyTotal row : rows) {
            int bucket = bucketOf(window, row.hour());
            if (bucket >= 0) {
                long[] totals = buckets.computeIfAbsent(row.projectId(), id -> new long[days * HOURS]);
                totals[bucket] = saturatedAdd(totals[bucket], row.total());
            }
        }
        List<ProjectProjection> out = new ArrayList<>(buckets.size());
        buckets.forEach((projectId, totals) -> out.add(projection(projectId, totals, days)));
        return out;
    }

    private ProjectProjection projection(long projectId, long[] totals, int days) {
        long[] hourly = new long[HOURS];
        long[] threshold = new long[HOURS];
        long[] atHour = new long[days];
        for (int h = 0; h < HOURS; h++) {
            for (int d = 0; d < days; d++) {
                atHour[d] = totals[d * HOURS + h];
            }
            hourly[h] = median(atHour);
            threshold[h] = Math.max(settings.floor(), saturatedMultiply(settings.multiplier(), hourly[h]));
        }
        return new ProjectProjection(projectId, hourly, threshold);
    }

    /** Sorts {@code values} in place. Values are non-negative (see {@link HourlyTotal}). */
    static long median(long[] values) {
        Arrays.sort(values);
        int n = values.length;
        if (n % 2 == 1) {
            return values[n / 2];
        }
        long a = values[n / 2 - 1];
        long b = values[n / 2];
        // floor((a + b + 1) / 2) without forming a + b, which overflows for large totals.
        return a / 2 + b / 2 + (a % 2 + b % 2 + 1) / 2;
    }

    private int bucketOf(Window window, Instant t) {
        if (t.isBefore(window.start()) || !t.isBefore(window.end())) {
            return -1;
        }
        long hoursIn = Duration.between(window.start(), t).dividedBy(HOUR);
        long day = hoursIn / HOURS;
        long hourOfDay = Math.floorMod(Math.floorDiv(window.start().getEpochSecond(), 3600) + hoursIn, HOURS);   // t's UTC hour
        return (int) (day * HOURS + hourOfDay);
    }

    private void checkWindow(Window window) {
        Objects.requireNonNull(window, "window");
        Duration expected = Duration.ofHours((long) settings.historyDays() * HOURS);
        Duration actual = Duration.between(window.start(), window.end());
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException("window " + window.start() + ".." + window.end() + " spans " + actual
                    + " but projection.history-days = " + settings.historyDays() + " needs exactly " + expected);
        }
        if (Math.floorMod(window.start().getEpochSecond(), 3600) != 0 || window.start().getNano() != 0) {
            throw new IllegalArgumentException("window.start " + window.start()
                    + " is not on a whole UTC hour; hourly buckets would straddle the days");
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;   // both non-negative: a wrap is the only way to go negative
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;   // both non-negative
    }
}
