package io.sluice.bench;

/** The bench's statistics, kept apart so that they are tested on their own. */
final class BenchMath {
    private BenchMath() {}

    /**
     * The nearest-rank percentile of ascending {@code sorted} values: the smallest value with at
     * least {@code p} of all values at or below it. NaN for no values.
     */
    static double percentile(long[] sorted, double p) {
        if (p <= 0 || p > 1) {
            throw new IllegalArgumentException("percentile " + p + " must be in (0, 1]");
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /**
     * Jain's fairness index of the shares {@code x}: (Σx)² / (n · Σx²). 1 when every share is
     * equal, 1/n when one takes everything. NaN when there is nothing to share (no shares, or all zero).
     */
    static double jain(long[] x) {
        double sum = 0;
        double squares = 0;
        for (long v : x) {
            sum += v;
            squares += (double) v * v;
        }
        return squares == 0 ? Double.NaN : sum * sum / (x.length * squares);
    }

    static double ms(double nanos) {
        return nanos / 1e6;
    }
}
