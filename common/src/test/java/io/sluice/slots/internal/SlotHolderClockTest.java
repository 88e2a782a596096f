package io.sluice.slots.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The holder-side deadline never falls after Redis's expiry, measured from the SEND time. */
class SlotHolderClockTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final HolderClock clock = new HolderClock(nanos::get);

    private static long ms(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void ownReplyDeadlineIsSendTimePlusTtlLessRounding() {
        long sent = clock.now();
        nanos.addAndGet(ms(40)); // the reply took 40 ms: it must not push the deadline out
        long deadline = clock.deadline(sent, 5_000, 5_000 + 1_000);
        assertThat(deadline).isEqualTo(sent + ms(1_000) - ms(1));
        assertThat(clock.passed(deadline)).isFalse();
        nanos.set(deadline);
        assertThat(clock.passed(deadline)).isTrue();
    }

    @Test
    void handOffIsMappedThroughTheLatestAnchorWithDriftAllowance() {
        long sent = clock.now();
        clock.observe(sent, 10_000);              // Redis read 10 000 ms at or after `sent`
        nanos.addAndGet(ms(2_000));               // two seconds later a hand-off arrives
        long deadline = clock.deadlineOfHandOff(12_500 + 30_000); // granted at Redis 12 500 with a 30 s ttl
        long latestSafe = sent + ms(32_500);      // when Redis would reach the expiry at the earliest
        assertThat(deadline).isLessThan(latestSafe);
        assertThat(latestSafe - deadline).isBetween(ms(1), ms(5));
    }

    @Test
    void olderAnchorsDoNotReplaceNewerOnes() {
        long early = clock.now();
        nanos.addAndGet(ms(100));
        long late = clock.now();
        clock.observe(late, 20_100);
        clock.observe(early, 20_000);
        assertThat(clock.deadlineOfHandOff(21_100)).isLessThanOrEqualTo(late + ms(1_000));
    }

    @Test
    void withoutAnchorAHandOffIsAlreadyDue() {
        assertThat(clock.passed(clock.deadlineOfHandOff(Long.MAX_VALUE / 2))).isTrue();
    }
}
