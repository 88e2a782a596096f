package io.sluice.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The adaptive bench's arithmetic: when a phase converged and what share of the capacity left it used. */
class AdaptiveBenchTest {

    /** Samples every 250 ms from {@code start} s: Sluice in flight as given. */
    private static List<AdaptiveBench.Sample> phase(double start, int... sluice) {
        List<AdaptiveBench.Sample> out = new ArrayList<>();
        for (int i = 0; i < sluice.length; i++) {
            out.add(new AdaptiveBench.Sample(start + 0.25 * (i + 1), 60, sluice[i], 40, sluice[i]));
        }
        return out;
    }

    @Test
    void convergenceIsWhenTheOneSecondAverageReachesNinetyPercentAndStaysThere() {
        // left 60: 90 % is 54. The one-second average (four samples) first reaches 54 at the 6th sample (10.25 + 5 x 0.25 s) and stays.
        List<AdaptiveBench.Sample> p = phase(10, 20, 30, 40, 60, 60, 60, 60, 60, 58, 56);
        assertThat(AdaptiveBench.converge(p, 60, 10)).isEqualTo(1.5);
    }

    @Test
    void aDipBelowTheMarkLaterMovesConvergenceAfterIt() {
        List<AdaptiveBench.Sample> p = phase(0, 60, 60, 60, 60, 10, 10, 10, 10, 60, 60, 60, 60);
        assertThat(AdaptiveBench.converge(p, 60, 0)).isEqualTo(3.0);
    }

    @Test
    void neverReachingTheMarkIsNotANumber() {
        assertThat(AdaptiveBench.converge(phase(0, 10, 10, 10, 10), 60, 0)).isNaN();
    }

    @Test
    void theLimitSettlesWhenItStaysBetweenNinetyPercentOfWhatIsLeftAndWhatIsLeft() {
        // left 60: the limit must stay within 54..60. Limits 98, 61 (over), 50 (under), then 58, 54, 60, 60 from the 4th sample.
        List<AdaptiveBench.Sample> p = limits(0, 98, 61, 50, 58, 54, 60, 60);
        assertThat(AdaptiveBench.limitSettles(p, 60, 0)).isEqualTo(1.0);
        assertThat(AdaptiveBench.limitSettles(limits(0, 98, 98), 60, 0)).isNaN();
        assertThat(AdaptiveBench.limitSettles(limits(0, 58, 58), 60, 0)).isEqualTo(0.25);
    }

    private static List<AdaptiveBench.Sample> limits(double start, int... limit) {
        List<AdaptiveBench.Sample> out = new ArrayList<>();
        for (int i = 0; i < limit.length; i++) {
            out.add(new AdaptiveBench.Sample(start + 0.25 * (i + 1), limit[i], 0, 40, limit[i]));
        }
        return out;
    }

    @Test
    void theShareIsTheSecondHalfsMeanOverWhatIsLeft() {
        assertThat(AdaptiveBench.share(phase(0, 0, 0, 30, 60), 60)).isEqualTo(0.75);
    }
}
