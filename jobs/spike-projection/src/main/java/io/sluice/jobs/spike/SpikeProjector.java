package io.sluice.jobs.spike;

import io.sluice.messages.Window;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;


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
    private static final long HOUR_SECONDS = 3_600;

    private final ProjectionSettings settings;

    public SpikeProjector(ProjectionSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Projects in ascending id; an empty list when no row falls inside the window. */
    public List<ProjectProjection> project(Window window, HourlyRows rows) {
        checkWindow(window);
        int days = settings.historyDays();
        long start = window.start().getEpochSecond();
        long end = window.end().getEpochSecond();   // whole seconds: checkWindow makes the span whole hours
        long startHourOfDay = Math.floorMod(Math.floorDiv(start, HOUR_SECONDS), HOURS);
        Map<Long, long[]> buckets = new HashMap<>();   // projectId -> [day * 24 + hourOfDay]
        long lastId = 0;
        long[] last = null;   // rows come grouped by project, so the map is asked once per project, not per row
        for (int i = 0, n = rows.size(); i < n; i++) {
            long t = rows.epochSecond(i);
            if (t < start || t >= end) {
                continue;
            }
            long hoursIn = (t - start) / HOUR_SECONDS;
            int bucket = (int) (hoursIn / HOURS * HOURS + (startHourOfDay + hoursIn) % HOURS);   // day, t's UTC hour
            long id = rows.projectId(i);
            if (last == null || id != lastId) {
                last = buckets.computeIfAbsent(id, x -> new long[days * HOURS]);
                lastId = id;
            }
            last[bucket] = saturatedAdd(last[bucket], rows.total(i));
        }
        long[] ids = new long[buckets.size()];
        int k = 0;
        for (Long id : buckets.keySet()) {
            ids[k++] = id;
        }
        Arrays.sort(ids);
        List<ProjectProjection> out = new ArrayList<>(ids.length);
        for (long id : ids) {
            out.add(projection(id, buckets.get(id), days));
        }
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

    /** Sorts {@code values} in place. Values are non-negative (see {@link HourlyRows}). */
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
