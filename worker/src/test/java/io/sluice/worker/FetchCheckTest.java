package io.sluice.worker;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** How often the loop looks for new records, on a clock the test moves. */
class FetchCheckTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FetchCheck check = new FetchCheck(now::get);

    /** One look that found nothing, {@link FetchCheck#next()} after the last. */
    private Duration emptyLook() {
        Duration waited = check.next();
        now.addAndGet(waited.toNanos());
        check.foundNothing();
        return waited;
    }

    @Test
    void aWorkerInARunKeepsLookingEvery100msBetweenBatchesSecondsApart() {
        check.active();   // a batch came
        for (int batch = 0; batch < 5; batch++) {
            // 8 s without records (a batch to this worker every 8 s): every look stays at 100 ms.
            for (int i = 0; i < 80; i++) {
                assertThat(emptyLook()).isEqualTo(FetchCheck.FIRST);
            }
            check.active();
        }
    }

    @Test
    void anIdleWorkerBacksOffToOnceASecondAfterTheHoldAndComesBackOnRecords() {
        check.active();
        long looks = 0;
        while (Duration.ofNanos(now.get() - 1_000_000_000L).compareTo(FetchCheck.HOLD) < 0) {
            assertThat(emptyLook()).isEqualTo(FetchCheck.FIRST);
            looks++;
        }
        assertThat(looks).isEqualTo(FetchCheck.HOLD.toMillis() / 100);
        // Past the hold: 100, 200, 400, 800 ms, then 1 s for as long as nothing comes.
        assertThat(emptyLook()).isEqualTo(Duration.ofMillis(200));
        assertThat(emptyLook()).isEqualTo(Duration.ofMillis(400));
        assertThat(emptyLook()).isEqualTo(Duration.ofMillis(800));
        assertThat(emptyLook()).isEqualTo(FetchCheck.MAX);
        assertThat(emptyLook()).isEqualTo(FetchCheck.MAX);

        check.active();   // records, a resume or an assignment
        assertThat(check.next()).isEqualTo(FetchCheck.FIRST);
        assertThat(emptyLook()).isEqualTo(FetchCheck.FIRST);
        assertThat(check.next()).as("held again after activity").isEqualTo(FetchCheck.FIRST);
    }

    /** A worker that only waits on the pool resumes a partition at every org it finishes: that alone never holds the look. */
    @Test
    void aResumeLooksSoonButDoesNotHoldTheShortLook() {
        now.addAndGet(FetchCheck.HOLD.toNanos());   // nothing came since the start, for longer than the hold
        for (int i = 0; i < 5; i++) emptyLook();
        assertThat(check.next()).isEqualTo(FetchCheck.MAX);

        check.resumed();
        assertThat(emptyLook()).isEqualTo(FetchCheck.FIRST);
        assertThat(emptyLook()).isEqualTo(Duration.ofMillis(200));
        assertThat(emptyLook()).isEqualTo(Duration.ofMillis(400));
    }
}
