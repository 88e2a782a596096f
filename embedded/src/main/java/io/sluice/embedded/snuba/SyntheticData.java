package io.sluice.embedded.snuba;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The outcomes the Snuba simulator answers with: hourly accepted-event totals per project, a
 * pure function of (seed, org, project, hour), so tests anywhere can compute what a query
 * returns, and what a projection over it must be, without asking the simulator.
 *
 * <p>Shape: 10 % of orgs have no project, 25 % have one, the rest 2..20. Each project has its
 * own base volume; hours follow a daily curve (×1.6 at 15:00 UTC, ×0.4 at 03:00 UTC),
 * weekends run at 60 %, there is ±15 % noise, about 0.5 % of buckets are spikes
 * 3 to 7 times larger, and about 2 % of buckets are missing (no row at all).
 */
public final class SyntheticData {
    public static final long DEFAULT_SEED = 20_261_128L;

    private static final SyntheticData DEFAULT = new SyntheticData(DEFAULT_SEED);
    private static final long PROJECTS_SALT = 0x70726f6a65637473L;
    private static final long BASE_SALT = 0x62617365L;
    private static final int SATURDAY = DayOfWeek.SATURDAY.ordinal();
    private static final int SUNDAY = DayOfWeek.SUNDAY.ordinal();
    /** The daily curve by UTC hour: ×1.6 at 15:00, ×0.4 at 03:00. StrictMath, so the same doubles on every JVM. */
    private static final double[] DAILY = new double[24];

    static {
        for (int hourOfDay = 0; hourOfDay < 24; hourOfDay++) {
            DAILY[hourOfDay] = 1.0 + 0.6 * StrictMath.sin(2 * StrictMath.PI * (hourOfDay - 9) / 24.0);
        }
    }

    private final long seed;

    private SyntheticData(long seed) {
        this.seed = seed;
    }

    public static SyntheticData withSeed(long seed) {
        return seed == DEFAULT_SEED ? DEFAULT : new SyntheticData(seed);
    }

    public static SyntheticData withDefaultSeed() {
        return DEFAULT;
    }

    public long seed() {
        return seed;
    }

    /** The org's project ids, ascending; empty for about 10 % of orgs. */
    public List<Long> projects(long orgId) {
        long h = mix(seed, PROJECTS_SALT, orgId);
        int bucket = (int) Long.remainderUnsigned(h, 100);
        int count = bucket < 10 ? 0 : bucket < 35 ? 1 : 2 + (int) Long.remainderUnsigned(h >>> 8, 19);
        TreeSet<Long> ids = new TreeSet<>();
        for (long i = 0; ids.size() < count; i++) {
            ids.add(1 + Long.remainderUnsigned(mix(seed, orgId, i), 9_999_999L));
        }
        return List.copyOf(ids);
    }

    /**
     * The accepted-event total of {@code projectId} in {@code orgId} for the UTC hour starting at
     * {@code hour} (truncated to the hour), or empty when that bucket has no row (about 2 %).
     * Any project id gives an answer; only {@link #projects(long)} ids appear in query results.
     */
    public OptionalLong total(long orgId, long projectId, Instant hour) {
        long v = totalOrMissing(orgId, projectId, Math.floorDiv(hour.getEpochSecond(), 3600));
        return v == MISSING ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** What {@link #totalOrMissing} answers for a bucket without a row; totals themselves are never negative. */
    public static final long MISSING = -1;

    /**
     * {@link #total} for the UTC hour {@code epochHour} (epoch second / 3600, floored), as a primitive:
     * {@link #MISSING} when the bucket has no row. The one definition of the data; {@link #total} delegates here.
     */
    public long totalOrMissing(long orgId, long projectId, long epochHour) {
        return series(orgId, projectId).totalOrMissing(epochHour);
    }

    /** What every hour of one project shares, computed once: the simulator asks for a week of hours at a time. */
    Series series(long orgId, long projectId) {
        // mix(seed ^ orgId, projectId, hour) = splitMix(splitMix(splitMix(seed ^ orgId) ^ projectId) ^ hour)
        return new Series(splitMix(splitMix(seed ^ orgId) ^ projectId),
                20 + Long.remainderUnsigned(mix(seed, BASE_SALT ^ orgId, projectId), 5_000));
    }

    /** One project's hourly series: {@code hourSeed} is the per-hour hash's constant part, {@code base} its volume. */
    record Series(long hourSeed, long base) {
        long totalOrMissing(long epochHour) {
            long h = splitMix(hourSeed ^ epochHour);
            if (Long.remainderUnsigned(h, 100) < 2) {
                return MISSING;
            }
            int hourOfDay = (int) Math.floorMod(epochHour, 24);
            int dayOfWeek = (int) Math.floorMod(Math.floorDiv(epochHour, 24) + 3, 7);   // 1970-01-01 was a Thursday; Monday = 0
            double daily = DAILY[hourOfDay];
            double weekly = dayOfWeek == SATURDAY || dayOfWeek == SUNDAY ? 0.6 : 1.0;
            double noise = 0.85 + 0.3 * unit(h >>> 11);
            double spike = Long.remainderUnsigned(h >>> 7, 200) == 0 ? 3 + Long.remainderUnsigned(h >>> 40, 5) : 1;
            return StrictMath.round(base * daily * weekly * noise * spike);
        }
    }

    /** {@link #total} for each hour in {@code [start, end)}, in order; {@code null} where a bucket is missing. */
    public List<Long> hourly(long orgId, long projectId, Instant start, Instant end) {
        List<Long> series = new ArrayList<>();
        for (Instant t = start.truncatedTo(ChronoUnit.HOURS); t.isBefore(end); t = t.plus(1, ChronoUnit.HOURS)) {
            OptionalLong v = total(orgId, projectId, t);
            series.add(v.isPresent() ? v.getAsLong() : null);
        }
        return series;
    }

    private static double unit(long bits) {
        return (bits & ((1L << 53) - 1)) * 0x1.0p-53;
    }

    private static long mix(long a, long b, long c) {
        return splitMix(splitMix(splitMix(a) ^ b) ^ c);
    }

    private static long splitMix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
