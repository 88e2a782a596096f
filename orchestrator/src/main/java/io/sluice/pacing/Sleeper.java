package io.sluice.pacing;

/**
 * Waits. Injected wherever code would otherwise call {@code Thread.sleep}, so tests can advance a
 * {@link io.micrometer.core.instrument.MockClock} instead of waiting ({@link MockSleeper}).
 */
public interface Sleeper {

    /** Waits about {@code nanos}, or less if {@link #wake()} was called (before or during the wait). */
    void sleep(long nanos) throws InterruptedException;

    /** Ends the current wait and every later one at once, e.g. on a stop request. */
    void wake();

    /** Real waiting on the system's clock, that {@link #wake()} cuts short. */
    static Sleeper system() {
        return new SystemSleeper();
    }
}
