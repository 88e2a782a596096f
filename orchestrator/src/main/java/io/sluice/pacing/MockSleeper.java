package io.sluice.pacing;

import io.micrometer.core.instrument.MockClock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A {@link Sleeper} for tests: sleeping advances a {@link MockClock} instead of waiting. */
public final class MockSleeper implements Sleeper {
    private final MockClock clock;
    private volatile boolean awake;
    private long slept;

    public MockSleeper(MockClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void sleep(long nanos) {
        if (!awake && nanos > 0) {
            clock.add(nanos, TimeUnit.NANOSECONDS);
            slept += nanos;
        }
    }

    @Override
    public void wake() {
        awake = true;
    }

    /** The time all sleeps together advanced the clock. */
    public synchronized Duration slept() {
        return Duration.ofNanos(slept);
    }
}
