package io.sluice.worker;

import java.time.Duration;

/**
 * How long the poll loop waits, at most, before it looks for new records while some partition can
 * fetch (the loop never blocks inside {@code consumer.poll}, see {@link WorkerLoop}). Right after
 * records came, a partition resumed or partitions were assigned, it looks every {@link #FIRST};
 * each look that finds nothing doubles the wait up to {@link #MAX}. An idle worker (every partition
 * caught up, e.g. between the daily runs) so turns once a second instead of ten times, and each of
 * those turns also wakes the consumer's background thread; a batch published to it is seen within
 * {@link #MAX}. Poll thread only.
 */
final class FetchCheck {
    static final Duration FIRST = Duration.ofMillis(100);
    /** The loop's longest wait while every partition is paused. */
    static final Duration MAX = WorkerLoop.MAX_POLL_WAIT;

    private long nanos = FIRST.toNanos();

    /** The wait before the next look. */
    Duration next() {
        return Duration.ofNanos(nanos);
    }

    /** Records came, or may come soon (a partition resumed, an assignment): look often again. */
    void active() {
        nanos = FIRST.toNanos();
    }

    /** A look after waiting {@link #next()} found nothing: wait longer next time. */
    void foundNothing() {
        nanos = Math.min(nanos * 2, MAX.toNanos());
    }
}
