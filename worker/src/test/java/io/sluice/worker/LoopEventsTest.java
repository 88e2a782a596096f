package io.sluice.worker;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** How the poll thread waits for events from other threads. */
class LoopEventsTest {
    private final LoopEvents events = new LoopEvents();

    /**
     * An event posted and run within one drain (here: posted by an event being drained) left the wake-up flag
     * set; the next event, posted while the poll thread parked, then woke nobody, and the loop slept its whole
     * wait (up to 1 s) with work queued.
     */
    @Test
    void anEventPostedWhileParkedWakesThePollThreadAfterADrainThatRanALatePost() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        events.post(() -> events.post(ran::incrementAndGet));   // both run in the drain below
        events.drain();
        assertThat(ran.get()).isEqualTo(1);
        assertThat(events.isEmpty()).isTrue();

        Thread poll = Thread.currentThread();
        Thread other = Thread.ofPlatform().start(() -> {
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5))
                    .until(() -> poll.getState() == Thread.State.TIMED_WAITING);
            events.post(ran::incrementAndGet);
        });
        long t0 = System.nanoTime();
        events.await(Duration.ofSeconds(10));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        other.join();
        assertThat(events.isEmpty()).isFalse();
        assertThat(waitedMs).as("parked with an event queued, ms").isLessThan(3_000);
        events.drain();
        assertThat(ran.get()).isEqualTo(2);
    }

    @Test
    void aBurstOfEventsWhileParkedUnparksOnce() throws Exception {
        Thread poll = Thread.currentThread();
        Thread other = Thread.ofPlatform().start(() -> {
            await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5))
                    .until(() -> poll.getState() == Thread.State.TIMED_WAITING);
            for (int i = 0; i < 1_000; i++) events.post(() -> { });
        });
        events.await(Duration.ofSeconds(10));
        other.join();
        assertThat(events.wakeups()).isEqualTo(1);
    }
}
