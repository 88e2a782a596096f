package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BenchMathTest {

    @Test
    void percentileIsTheNearestRank() {
        long[] oneToHundred = new long[100];
        for (int i = 0; i < 100; i++) {
            oneToHundred[i] = i + 1;
        }
        assertThat(BenchMath.percentile(oneToHundred, 0.50)).isEqualTo(50);
        assertThat(BenchMath.percentile(oneToHundred, 0.99)).isEqualTo(99);
        assertThat(BenchMath.percentile(oneToHundred, 0.999)).isEqualTo(100);
        assertThat(BenchMath.percentile(oneToHundred, 1.0)).isEqualTo(100);
        assertThat(BenchMath.percentile(oneToHundred, 0.001)).isEqualTo(1);
    }

    @Test
    void percentileOfFewValuesNeverInterpolates() {
        assertThat(BenchMath.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(BenchMath.percentile(new long[] {1, 1000}, 0.50)).isEqualTo(1);
        assertThat(BenchMath.percentile(new long[] {1, 1000}, 0.51)).isEqualTo(1000);
        // p99 of 10 values is the largest: one slow grant in ten is the p99
        assertThat(BenchMath.percentile(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 50}, 0.99)).isEqualTo(50);
    }

    @Test
    void percentileOfNothingIsNaNAndPMustBeAFraction() {
        assertThat(BenchMath.percentile(new long[0], 0.5)).isNaN();
        assertThatThrownBy(() -> BenchMath.percentile(new long[] {1}, 99)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchMath.percentile(new long[] {1}, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jainIsOneForEqualSharesAndOneOverNForOneTakingAll() {
        assertThat(BenchMath.jain(new long[] {5, 5, 5, 5})).isEqualTo(1.0);
        assertThat(BenchMath.jain(new long[] {10, 0, 0, 0})).isEqualTo(0.25);
        assertThat(BenchMath.jain(new long[] {42})).isEqualTo(1.0);
    }

    @Test
    void jainOfUnequalShares() {
        // (1+2+3)^2 / (3 * (1+4+9)) = 36 / 42
        assertThat(BenchMath.jain(new long[] {1, 2, 3})).isCloseTo(36.0 / 42.0, within(1e-12));
        // half the threads starve: 0.5 however large the shares
        assertThat(BenchMath.jain(new long[] {1_000_000, 1_000_000, 0, 0})).isEqualTo(0.5);
    }

    @Test
    void jainOfNothingIsNaN() {
        assertThat(BenchMath.jain(new long[] {0, 0})).isNaN();
        assertThat(BenchMath.jain(new long[0])).isNaN();
    }
}
