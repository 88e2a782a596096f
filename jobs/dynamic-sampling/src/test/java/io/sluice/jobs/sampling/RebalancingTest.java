package io.sluice.jobs.sampling;

import io.sluice.jobs.sampling.SamplingResult.ProjectRate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The model on examples worked by hand (docs/DYNAMIC-SAMPLING.md has the first one written out). */
class RebalancingTest {

    @Test
    void smallProjectKeptWholeAndTheLargerOnesShareTheRestEqually() {
        // total 10 000, target 0.1: budget 1 000, a share of 333.3 each.
        // 100 < 333.3: kept whole; 900 left for two: 450 each; 450 / 1 000 and 450 / 8 900.
        double[] rates = Rebalancing.rates(new long[] {1_000, 100, 8_900}, 0.1, 0);

        assertThat(rates).containsExactly(0.45, 1.0, 450.0 / 8_900);
        assertThat(kept(new long[] {1_000, 100, 8_900}, rates)).isCloseTo(1_000, within(1e-9));
    }

    @Test
    void twoSmallProjectsAreBoostedToKeepEverything() {
        // total 10 000, target 0.01: budget 100. 10 < 33.3: whole; 40 < 90/2 = 45: whole; the big one keeps 50.
        double[] rates = Rebalancing.rates(new long[] {10, 40, 9_950}, 0.01, 0);

        assertThat(rates).containsExactly(1.0, 1.0, 50.0 / 9_950);
        assertThat(kept(new long[] {10, 40, 9_950}, rates)).isCloseTo(100, within(1e-9));
    }

    @Test
    void equalVolumesAndOneProjectGetTheTargetItself() {
        assertThat(Rebalancing.rates(new long[] {500, 500, 500, 500}, 0.2, 0)).containsExactly(0.2, 0.2, 0.2, 0.2);
        assertThat(Rebalancing.rates(new long[] {1_234}, 0.25, 0)).containsExactly(0.25);
        assertThat(Rebalancing.rates(new long[] {7, 70_000}, 1.0, 0)).containsExactly(1.0, 1.0);
    }

    @Test
    void everyProjectTinyUnderTheFloorKeepsEverythingAndTheTargetIsNotMet() {
        long[] volumes = {3, 5, 8};
        // The floor keeps 10 per project, so 3 + 5 + 8 = 16 events; the target would keep 1.6.
        assertThat(Rebalancing.reachable(volumes, 0.1, 10)).isFalse();
        assertThat(Rebalancing.rates(volumes, 0.1, 10)).containsExactly(1.0, 1.0, 1.0);
    }

    @Test
    void aFloorAboveTheBudgetKeepsEachProjectsFloor() {
        long[] volumes = {3, 50, 200};
        // budget 25.3; the floor keeps 3 + 20 + 20 = 43: each keeps min(volume, 20).
        assertThat(Rebalancing.reachable(volumes, 0.1, 20)).isFalse();
        assertThat(Rebalancing.rates(volumes, 0.1, 20)).containsExactly(1.0, 0.4, 0.1);
    }

    @Test
    void aFloorBelowTheShareChangesNothing() {
        long[] volumes = {5, 100, 10_000};
        // budget 1 010.5; 5 and 100 are kept whole, the large one keeps 905.5.
        assertThat(Rebalancing.reachable(volumes, 0.1, 10)).isTrue();
        assertThat(Rebalancing.rates(volumes, 0.1, 10)).containsExactly(Rebalancing.rates(volumes, 0.1, 0));
        assertThat(Rebalancing.rates(volumes, 0.1, 10)[2]).isCloseTo(0.09055, within(1e-12));
    }

    @Test
    void zeroVolumesKeepEverythingThereIsNothingToThinOut() {
        assertThat(Rebalancing.rates(new long[] {0, 100}, 0.1, 0)).containsExactly(1.0, 0.1);
        assertThat(Rebalancing.rates(new long[] {0, 0}, 0.1, 0)).containsExactly(1.0, 1.0);
        assertThat(Rebalancing.rates(new long[0], 0.1, 0)).isEmpty();
        assertThat(Rebalancing.reachable(new long[] {0, 0}, 0.1, 0)).isFalse();
    }

    @Test
    void badInputsAreRefused() {
        assertThatThrownBy(() -> Rebalancing.rates(new long[] {1}, 0, 0)).hasMessageContaining("target rate 0.0");
        assertThatThrownBy(() -> Rebalancing.rates(new long[] {1}, 1.5, 0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> Rebalancing.rates(new long[] {-1}, 0.1, 0)).hasMessageContaining("volume -1");
        assertThatThrownBy(() -> Rebalancing.rates(new long[] {Long.MAX_VALUE, 1}, 0.1, 0)).isInstanceOf(ArithmeticException.class);
    }

    /** The model's promises on many random orgs, checked by the independent invariant check. */
    @Test
    void randomOrgsKeepTheModelsPromises() {
        SplittableRandom random = new SplittableRandom(42);
        int unreachable = 0;
        for (int org = 0; org < 5_000; org++) {
            int n = 1 + random.nextInt(30);
            long[] volumes = new long[n];
            for (int i = 0; i < n; i++) {
                // Mostly mixed sizes, some ties, some zeros.
                volumes[i] = random.nextInt(10) == 0 ? 0 : random.nextInt(4) == 0 ? 500 : random.nextLong(1, 1_000_000);
            }
            double target = random.nextInt(5) == 0 ? 1.0 : random.nextDouble(1e-4, 1.0);
            long floor = random.nextBoolean() ? 0 : random.nextLong(0, 5_000);
            double[] rates = Rebalancing.rates(volumes, target, floor);
            List<ProjectRate> projects = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                projects.add(new ProjectRate(i, volumes[i], rates[i]));
            }
            assertThat(SamplingCheck.invariants(projects, target, floor))
                    .as("org %d volumes %s target %s floor %d", org, Arrays.toString(volumes), target, floor)
                    .isNull();
            if (!Rebalancing.reachable(volumes, target, floor) && Rebalancing.total(volumes) > 0) {
                unreachable++;
            }
        }
        assertThat(unreachable).as("orgs whose floor is above the target").isPositive();
    }

    private static double kept(long[] volumes, double[] rates) {
        double kept = 0;
        for (int i = 0; i < volumes.length; i++) {
            kept += volumes[i] * rates[i];
        }
        return kept;
    }
}
