package io.sluice.worker;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What other threads tell the poll thread, and how the poll thread waits for it.
 *
 * <p>The poll thread waits here ({@link #await(Duration)}), never inside {@code consumer.poll}, so
 * an event needs no {@code consumer.wakeup()} (a selector wake-up and an exception per event). Wake-ups
 * are batched: only the first event after the poll thread started draining or parking unparks it; the
 * events that follow ride along.
 */
final class LoopEvents {
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** True from the first event after a drain or a park started until the next of either: at most one wake-up in between. */
    private final AtomicBoolean signalled = new AtomicBoolean();
    private final AtomicLong wakeups = new AtomicLong();
    /** The poll thread while it is parked in {@link #await}, else null. */
    private volatile Thread parked;
    /** Set by stop(): the next (or current) await returns at once. */
    private final AtomicBoolean stopWake = new AtomicBoolean();

    /** From any thread: queue an event for the poll thread and wake it unless a wake-up is already on its way. */
    void post(Runnable event) {
        queue.add(event);
        if (signalled.compareAndSet(false, true)) {
            wake();
        }
    }

    /** Wakes the poll thread wherever it waits, even when a wake-up is already on its way. */
    void stop() {
        stopWake.set(true);
        wake();
    }

    private void wake() {
        Thread t = parked;
        if (t != null) {
            wakeups.incrementAndGet();
            LockSupport.unpark(t);
        }
        // Not parked: the poll thread looks at the queue before it parks (see await).
    }

    /** Poll thread: runs every queued event, including those its own events post. */
    void drain() {
        signalled.set(false);   // before draining: an event posted from here on wakes us again
        for (Runnable event = queue.poll(); event != null; event = queue.poll()) {
            event.run();
        }
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /**
     * Poll thread: parks until an event arrives or {@code max} passed, whichever is first. Returns at
     * once when an event is already queued.
     */
    void await(Duration max) {
        Thread me = Thread.currentThread();
        parked = me;
        // Re-armed here as well as in drain(): an event posted and run within the last drain left the flag set,
        // and the next post, arriving while we park, would then wake nobody (the loop slept its whole wait,
        // up to 1 s, with work queued). Order: parked, then the flag, then the queue: a post whose CAS fails
        // here added its event before this reset, so the queue check below sees it.
        signalled.set(false);
        try {
            long deadline = System.nanoTime() + max.toNanos();
            // Set parked before looking at the queue: a post() either sees us parked (and unparks us) or
            // its event is seen here.
            for (long left = max.toNanos(); left > 0 && queue.isEmpty() && !stopWake.getAndSet(false) && !me.isInterrupted(); left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
            }
        } finally {
            parked = null;
        }
    }

    /** Times the poll thread was unparked by an event or stop() (for tests). */
    long wakeups() {
        return wakeups.get();
    }
}
