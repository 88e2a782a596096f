package io.sluice.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {
    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final Duration TWO_MINUTES = Duration.ofMinutes(2);

    @Test
    void exponentialDoublesFromInitialUntilTheCap() {
        Backoff b = Backoff.exponential(SECOND, TWO_MINUTES);
        RandomGenerator rng = new SplittableRandom(1);
        // 1, 2, 4, 8, 16, 32, 64 s, then 128 s > 120 s is capped.
        assertThat(b.delay(1, rng)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(2, rng)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.delay(3, rng)).isEqualTo(Duration.ofSeconds(4));
        assertThat(b.delay(7, rng)).isEqualTo(Duration.ofSeconds(64));
        assertThat(b.delay(8, rng)).isEqualTo(TWO_MINUTES);
        assertThat(b.delay(9, rng)).isEqualTo(TWO_MINUTES);
    }

    @Test
    void hugeAttemptsStayAtTheCapInsteadOfOverflowing() {
        Backoff b = Backoff.exponential(Duration.ofMillis(250), TWO_MINUTES);
        RandomGenerator rng = new SplittableRandom(1);
        for (int attempt : new int[] {40, 62, 63, 64, 65, 1000, Integer.MAX_VALUE}) {
            assertThat(b.delay(attempt, rng)).as("attempt %d", attempt).isEqualTo(TWO_MINUTES);
        }
        Backoff longest = Backoff.exponential(Duration.ofNanos(1), Duration.ofNanos(Long.MAX_VALUE));
        assertThat(longest.delay(63, rng)).isEqualTo(Duration.ofNanos(1L << 62));
        assertThat(longest.delay(64, rng)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        assertThat(longest.delay(1000, rng)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
    }

    @Test
    void fullJitterStaysWithinZeroAndTheExponentialBound() {
        Backoff b = Backoff.exponentialWithFullJitter(SECOND, TWO_MINUTES);
        RandomGenerator rng = new SplittableRandom(42);
        for (int attempt = 1; attempt <= 12; attempt++) {
            Duration bound = Backoff.exponential(SECOND, TWO_MINUTES).delay(attempt, rng);
            for (int i = 0; i < 200; i++) {
                assertThat(b.delay(attempt, rng)).isBetween(Duration.ZERO, bound);
            }
        }
    }

    @Test
    void fullJitterSpreadsOverTheWholeRangeAndGrowsWithAttempts() {
        Backoff b = Backoff.exponentialWithFullJitter(SECOND, TWO_MINUTES);
        RandomGenerator rng = new SplittableRandom(7);
        long min = Long.MAX_VALUE;
        long max = 0;
        long sumAttempt2 = 0;
        long sumAttempt6 = 0;
        for (int i = 0; i < 2_000; i++) {
            long d = b.delay(5, rng).toMillis();   // bound 16 s
            min = Math.min(min, d);
            max = Math.max(max, d);
            sumAttempt2 += b.delay(2, rng).toMillis();   // bound 2 s, mean ~1 s
            sumAttempt6 += b.delay(6, rng).toMillis();   // bound 32 s, mean ~16 s
        }
        assertThat(min).isLessThan(1_000);
        assertThat(max).isGreaterThan(15_000);
        assertThat(sumAttempt2 / 2_000).isBetween(800L, 1_200L);
        assertThat(sumAttempt6 / 2_000).isBetween(14_000L, 18_000L);
    }

    @Test
    void fullJitterIsReproducibleWithTheSameSeed() {
        Backoff b = Backoff.exponentialWithFullJitter(SECOND, TWO_MINUTES);
        RandomGenerator a = new SplittableRandom(99);
        RandomGenerator c = new SplittableRandom(99);
        for (int attempt = 1; attempt < 20; attempt++) {
            assertThat(b.delay(attempt, a)).isEqualTo(b.delay(attempt, c));
        }
        assertThat(b.delay(1000, new SplittableRandom(3))).isBetween(Duration.ZERO, TWO_MINUTES);
    }

    @Test
    void rejectsSettingsThatCannotProduceASchedule() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, SECOND))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial back-off must be positive");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), SECOND))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max back-off PT1S must be at least");
        assertThatThrownBy(() -> Backoff.exponential(SECOND, Duration.ofDays(365L * 1_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> Backoff.exponential(SECOND, TWO_MINUTES).delay(0, new SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attempt must be at least 1, got 0");
    }

    @Test
    void policiesAreComparableValues() {
        assertThat(Backoff.exponential(SECOND, TWO_MINUTES)).isEqualTo(Backoff.exponential(SECOND, TWO_MINUTES));
        assertThat(Backoff.exponentialWithFullJitter(SECOND, TWO_MINUTES))
                .isNotEqualTo(Backoff.exponential(SECOND, TWO_MINUTES));
    }
}
