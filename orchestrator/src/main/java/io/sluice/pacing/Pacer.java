package io.sluice.pacing;

import io.micrometer.core.instrument.Clock;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Spaces sends on a fixed grid of a monotonic clock: the first send of a run happens at once
 * ({@code t0}), send {@code k} at {@code t0 + k × interval}. Each due time comes from the grid,
 * never from the previous send, so thousands of sends do not drift.
 *
 * <p>When a send runs late (a slow broker ack), the next one goes out at once and the grid keeps
 * its phase: slots that passed during the slow send are skipped, not caught up. So a slow send
 * neither shifts later sends nor causes a burst of more than that one immediate send.
 */
public final class Pacer {
    private final long intervalNanos;
    private final Clock clock;
    private final Sleeper sleeper;
    private long t0;
    private long slot = -1;

    public Pacer(Duration interval, Clock clock, Sleeper sleeper) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("pacing interval " + interval + " must not be negative");
        }
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /**
     * Waits for the next send's turn.
     *
     * @return false if {@code stopRequested} turned true before the turn came (then nothing is due)
     */
    public boolean awaitTurn(BooleanSupplier stopRequested) throws InterruptedException {
        long now = clock.monotonicTime();
        if (slot < 0) {
            t0 = now;
            slot = 0;
            return !stopRequested.getAsBoolean();
        }
        if (intervalNanos == 0) {
            return !stopRequested.getAsBoolean();
        }
        slot++;
        long due = t0 + slot * intervalNanos;
        while (now < due) {
            if (stopRequested.getAsBoolean()) {
                slot--;
                return false;
            }
            sleeper.sleep(due - now);
            now = clock.monotonicTime();
        }
        // Late: this send goes now, in the grid slot that holds "now"; the next one keeps the grid.
        slot = Math.max(slot, (now - t0) / intervalNanos);
        return !stopRequested.getAsBoolean();
    }

    /** The monotonic time of the first send, once there was one. */
    public long startNanos() {
        return t0;
    }
}
