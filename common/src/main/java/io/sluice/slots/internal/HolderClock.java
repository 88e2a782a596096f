package io.sluice.slots.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Turns Redis expiry times into local monotonic deadlines that are never later than the moment
 * Redis lets the lease lapse. The anchor for a reply is the local time its request was SENT:
 * Redis read its clock after that, so {@code sent + (expiry - redisNow)} is conservative. One
 * millisecond covers Redis reporting whole milliseconds; a grant handed off by another client's
 * release is mapped through the latest anchor, less a drift allowance for the anchor's age.
 */
public final class HolderClock {
    private static final long ONE_MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Monotonic and wall clocks may drift apart by NTP slewing (at most 500 ppm); allow twice that. */
    private static final long DRIFT_DIVISOR = 1_000;

    private final LongSupplier nanoTime;
    private volatile Anchor anchor;

    public HolderClock(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    public long now() {
        return nanoTime.getAsLong();
    }

    /** Records that a request sent at local {@code sentNanos} saw Redis time {@code redisNowMs}. */
    public void observe(long sentNanos, long redisNowMs) {
        Anchor current = anchor;
        if (current == null || sentNanos - current.sentNanos > 0) {
            anchor = new Anchor(sentNanos, redisNowMs);
        }
    }

    /** Deadline for a lease whose expiry came in the reply to our own request. */
    public long deadline(long sentNanos, long redisNowMs, long expiryMs) {
        observe(sentNanos, redisNowMs);
        return sentNanos + TimeUnit.MILLISECONDS.toNanos(expiryMs - redisNowMs) - ONE_MS;
    }

    /** Deadline for a lease granted by someone else's script; already passed when nothing anchors it. */
    public long deadlineOfHandOff(long expiryMs) {
        Anchor a = anchor;
        long now = now();
        if (a == null) {
            return now;
        }
        long drift = Math.max(0, now - a.sentNanos) / DRIFT_DIVISOR;
        return a.sentNanos + TimeUnit.MILLISECONDS.toNanos(expiryMs - a.redisNowMs) - ONE_MS - drift;
    }

    /** Redis' time now as the latest anchor maps it (0 before any reply): for lease ids' display age only. */
    public long redisNowMs() {
        Anchor a = anchor;
        return a == null ? 0 : a.redisNowMs + TimeUnit.NANOSECONDS.toMillis(now() - a.sentNanos);
    }

    public boolean passed(long deadlineNanos) {
        return now() - deadlineNanos >= 0;
    }

    public long nanosUntil(long deadlineNanos) {
        return Math.max(0, deadlineNanos - now());
    }

    private record Anchor(long sentNanos, long redisNowMs) {}
}
