package io.sluice.worker;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How long the poll loop waits, at most, before it looks for new records while some partition can
 * fetch (the loop never blocks inside {@code consumer.poll}, see {@link WorkerLoop}).
 *
 * <p>Right after records came or partitions were assigned, it looks every {@link #FIRST}, and keeps doing
 * so for {@link #HOLD} after the last of those. Only then does each look that finds nothing double the
 * wait, up to {@link #MAX}: a worker idle between daily runs turns once a second instead of ten times (each
 * turn also wakes the consumer's background thread), while a worker in a run, or one just assigned its
 * partitions, sees a batch published to it within about {@link #FIRST}. A resumed partition makes the next
 * look come after {@link #FIRST} without holding it there: a worker that only waits on the pool resumes a
 * partition at every org it finishes, and would otherwise never back off.
 *
 * <p>Why a run needs the short look: the KIP-848 consumer sends its next fetch from {@code poll}, and the
 * broker holds a fetch at most {@code fetch.max.wait.ms} (500 ms). At one look a second, a batch published
 * after the last fetch expired waits for the next look to send a fetch and for the look after it to
 * collect the records: 0.6 to 1.5 s from the batch's publication to the loop, measured, which is what a
 * paced run's batches and a run's first query waited. A look every 100 ms always has a fetch waiting at
 * the broker, so the records are collected by the next look. Poll thread only.
 */
final class FetchCheck {
    static final Duration FIRST = Duration.ofMillis(100);
    /** The loop's longest wait while every partition is paused. */
    static final Duration MAX = WorkerLoop.MAX_POLL_WAIT;
    /**
     * How long after the last records (or assignment) the loop keeps looking every {@link #FIRST}:
     * longer than the gap between two batches for one worker in a paced run (pacing 2 s by default, a batch
     * to each worker every few seconds), so the whole of a run is watched closely; an idle worker pays ten
     * turns a second for this long after its run, then backs off.
     */
    static final Duration HOLD = Duration.ofSeconds(30);

    private final LongSupplier nanoTime;
    private long nanos = FIRST.toNanos();
    private long lastActive;

    FetchCheck(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.lastActive = nanoTime.getAsLong();   // a starting worker is about to be assigned its partitions
    }

    /** The wait before the next look. */
    Duration next() {
        return Duration.ofNanos(nanos);
    }

    /** Records came, or partitions were assigned: look often again, and keep doing so for {@link #HOLD}. */
    void active() {
        nanos = FIRST.toNanos();
        lastActive = nanoTime.getAsLong();
    }

    /** A partition resumed: its records may come soon, so the next look is after {@link #FIRST}. */
    void resumed() {
        nanos = FIRST.toNanos();
    }

    /** A look after waiting {@link #next()} found nothing: wait longer next time, once {@link #HOLD} has passed. */
    void foundNothing() {
        if (nanoTime.getAsLong() - lastActive >= HOLD.toNanos()) {
            nanos = Math.min(nanos * 2, MAX.toNanos());
        }
    }
}
