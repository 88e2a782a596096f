package io.sluice.jobs.sampling;

import java.util.Arrays;

/**
 * The rebalancing model: per-project sample rates that keep the org's target share of its events while giving
 * every project the same number of kept events where it can, so a low-volume project is sampled at a higher rate
 * (up to keeping everything) and the high-volume ones pay for it. docs/DYNAMIC-SAMPLING.md gives the formula and a
 * worked example.
 *
 * <p>The arithmetic is fixed so that the same volumes give the same doubles anywhere: sums of volumes are exact
 * {@code long}s, and every rate is one division of the org's remaining budget share by the project's volume.
 */
public final class Rebalancing {
    private Rebalancing() {
    }

    /**
     * The sample rate of each project, in the order of {@code volumes}.
     *
     * @param volumes    each project's events in the window, none negative
     * @param targetRate the org's target rate, in (0, 1]
     * @param minKept    the floor: events per project kept whatever the target, 0 for none
     * @return rates in (0, 1]; a project with a lower volume never has a lower rate
     */
    public static double[] rates(long[] volumes, double targetRate, long minKept) {
        if (!(targetRate > 0 && targetRate <= 1)) {
            throw new IllegalArgumentException("target rate " + targetRate + " is not in (0, 1]");
        }
        if (minKept < 0) {
            throw new IllegalArgumentException("min kept " + minKept + " is negative");
        }
        int n = volumes.length;
        double[] rates = new double[n];
        long total = total(volumes);
        if (total == 0) {
            Arrays.fill(rates, 1.0);   // nothing to thin out
            return rates;
        }
        double budget = targetRate * total;
        if (!reachable(volumes, targetRate, minKept)) {
            // The floor alone keeps at least the budget: each project keeps its floor (all of a small one).
            for (int i = 0; i < n; i++) {
                rates[i] = volumes[i] <= minKept ? 1.0 : (double) minKept / volumes[i];
            }
            return rates;
        }
        int[] order = ascending(volumes);
        long kept = 0;   // events of the projects kept whole so far
        for (int j = 0; j < n; j++) {
            int left = n - j;
            double share = (budget - kept) / left;   // what each project not yet placed may keep
            long v = volumes[order[j]];
            if (v <= share) {
                rates[order[j]] = 1.0;   // smaller than its share: kept whole, the rest goes to the larger ones
                kept += v;
                continue;
            }
            // This project and every larger one keep exactly the share.
            for (int m = j; m < n; m++) {
                rates[order[m]] = share / volumes[order[m]];
            }
            break;
        }
        return rates;
    }

    /**
     * Whether the org can keep exactly its target: it has events, and the floor ({@code min(volume, minKept)} summed
     * over its projects) keeps fewer than {@code targetRate × total}. Otherwise every project keeps its floor and the
     * org keeps more than its target.
     */
    public static boolean reachable(long[] volumes, double targetRate, long minKept) {
        long total = total(volumes);
        if (total == 0) {
            return false;
        }
        long floor = 0;
        for (long v : volumes) {
            floor = Math.addExact(floor, Math.min(v, minKept));
        }
        return floor < targetRate * total;
    }

    static long total(long[] volumes) {
        long total = 0;
        for (long v : volumes) {
            if (v < 0) {
                throw new IllegalArgumentException("volume " + v + " is negative");
            }
            total = Math.addExact(total, v);
        }
        return total;
    }

    /** Indices of {@code volumes} by volume ascending, ties by index (projects come in ascending id). */
    private static int[] ascending(long[] volumes) {
        Integer[] boxed = new Integer[volumes.length];
        for (int i = 0; i < boxed.length; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> volumes[a] != volumes[b] ? Long.compare(volumes[a], volumes[b]) : Integer.compare(a, b));
        int[] order = new int[boxed.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = boxed[i];
        }
        return order;
    }
}
