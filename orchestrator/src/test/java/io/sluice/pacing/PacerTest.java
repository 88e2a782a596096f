package io.sluice.pacing;

import io.micrometer.core.instrument.MockClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTest {
    private static final long P = Duration.ofSeconds(2).toNanos();
    private final MockClock clock = new MockClock();
    private final MockSleeper sleeper = new MockSleeper(clock);
    private final Pacer pacer = new Pacer(Duration.ofSeconds(2), clock, sleeper);

    @Test
    void sendKGoesOutExactlyAtT0PlusKTimesPacingWithoutDriftOverThousandsOfSends() throws Exception {
        long t0 = clock.monotonicTime();
        for (int k = 0; k < 5_000; k++) {
            assertThat(pacer.awaitTurn(() -> false)).isTrue();
            assertThat(clock.monotonicTime()).isEqualTo(t0 + k * P);
            clock.add(37, TimeUnit.MILLISECONDS);   // each send takes a while; the grid absorbs it
        }
    }

    @Test
    void aSlowSendDoesNotShiftLaterOnes() throws Exception {
        long t0 = clock.monotonicTime();
        List<Long> sends = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            pacer.awaitTurn(() -> false);
            sends.add(clock.monotonicTime() - t0);
            if (k == 3) {
                clock.add(3, TimeUnit.SECONDS);   // send 3 at 6 s is acked at 9 s, after send 4 was due (8 s)
            }
        }
        assertThat(sends).containsExactly(0L, 2 * S, 4 * S, 6 * S, 9 * S, 10 * S, 12 * S, 14 * S, 16 * S, 18 * S);
    }

    @Test
    void aVerySlowSendIsFollowedByOneImmediateSendThenTheGridNotABurst() throws Exception {
        long t0 = clock.monotonicTime();
        List<Long> sends = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            pacer.awaitTurn(() -> false);
            sends.add(clock.monotonicTime() - t0);
            if (k == 1) {
                clock.add(11, TimeUnit.SECONDS);   // send 1 at 2 s acked at 13 s: slots 4..12 s passed
            }
        }
        // Only one send at 13 s (the late one); the next keeps the phase of the grid: 14, 16, ...
        assertThat(sends).containsExactly(0L, 2 * S, 13 * S, 14 * S, 16 * S, 18 * S);
    }

    @Test
    void zeroPacingSendsBackToBack() throws Exception {
        Pacer unpaced = new Pacer(Duration.ZERO, clock, sleeper);
        long t0 = clock.monotonicTime();
        for (int k = 0; k < 100; k++) {
            unpaced.awaitTurn(() -> false);
        }
        assertThat(clock.monotonicTime()).isEqualTo(t0);
    }

    @Test
    void aStopRequestEndsTheWaitWithoutATurn() throws Exception {
        pacer.awaitTurn(() -> false);
        assertThat(pacer.awaitTurn(() -> true)).isFalse();
    }

    @Test
    void theSystemSleeperReturnsAtOnceOnceWoken() throws Exception {
        Sleeper s = Sleeper.system();
        s.wake();
        long start = System.nanoTime();
        s.sleep(Duration.ofMinutes(5).toNanos());
        assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(5).toNanos());
    }

    private static final long S = Duration.ofSeconds(1).toNanos();
}
