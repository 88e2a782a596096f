package io.sluice.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {
    private final Backoff backoff = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(2));

    @Test
    void exhaustedOnceMaxAttemptsWereMade() {
        RetryPolicy p = new RetryPolicy(6, backoff);
        assertThat(p.exhausted(0)).isFalse();
        assertThat(p.exhausted(5)).isFalse();
        assertThat(p.exhausted(6)).isTrue();
        assertThat(p.exhausted(7)).isTrue();
    }

    @Test
    void oneAttemptMeansNoRetry() {
        assertThat(new RetryPolicy(1, backoff).exhausted(1)).isTrue();
    }

    @Test
    void delayComesFromTheBackoff() {
        assertThat(new RetryPolicy(6, backoff).delayAfter(3, new SplittableRandom(1))).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void rejectsZeroAttemptsNamingTheKey() {
        assertThatThrownBy(() -> new RetryPolicy(0, backoff))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("worker.retry.max-attempts must be at least 1, got 0");
    }
}
