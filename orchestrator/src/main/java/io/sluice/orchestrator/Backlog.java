package io.sluice.orchestrator;

import io.sluice.pacing.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;

/**
 * Holds publishing while too many published orgs are unfinished ({@code orchestrator.max-backlog}).
 * The backlog is measured by a {@link Probe} (the worker group's lag on the batches topic) only when
 * the estimate since the last measure (measured + published since) would pass the bound, so a run
 * far below it costs no extra round trip per batch.
 */
final class Backlog {
    private static final Logger LOG = LoggerFactory.getLogger(Backlog.class);
    static final Duration RECHECK = Duration.ofMillis(500);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    /** The orgs published to the batches topic and not yet finished by the workers; empty when unknown. */
    public interface Probe extends AutoCloseable {
        OptionalLong unfinishedOrgs();

        @Override
        void close();

        Probe NONE = new Probe() {
            @Override
            public OptionalLong unfinishedOrgs() {
                return OptionalLong.of(0);
            }

            @Override
            public void close() {
            }
        };
    }

    private final long max;
    private final Probe probe;
    private final Sleeper sleeper;
    private long estimate = -1;
    private volatile long lastMeasured = -1;
    private long holds;
    private long lastLogNanos = Long.MIN_VALUE;

    Backlog(long max, Probe probe, Sleeper sleeper) {
        this.max = max;
        this.probe = probe;
        this.sleeper = sleeper;
    }

    /** Waits until {@code next} more orgs fit under the bound; false if a stop came first. */
    boolean awaitRoom(int next, BooleanSupplier stop) throws InterruptedException {
        if (max <= 0) {
            return !stop.getAsBoolean();
        }
        boolean counted = false;
        while (estimate < 0 || estimate + next > max) {
            if (stop.getAsBoolean()) {
                return false;
            }
            OptionalLong m = probe.unfinishedOrgs();
            estimate = m.isPresent() ? m.getAsLong() : Long.MAX_VALUE / 2;
            lastMeasured = m.isPresent() ? m.getAsLong() : -1;
            if (estimate + next <= max) {
                break;
            }
            if (!counted) {
                holds++;
                counted = true;
                long now = System.nanoTime();
                if (lastLogNanos == Long.MIN_VALUE || now - lastLogNanos > LOG_EVERY.toNanos()) {
                    lastLogNanos = now;
                    LOG.info("holding: {} published orgs are unfinished, {} more would pass orchestrator.max-backlog {}"
                                    + " ({} holds so far; logged at most every {})",
                            m.isPresent() ? Long.toString(m.getAsLong()) : "an unknown number of", next, max, holds, LOG_EVERY);
                }
            }
            sleeper.sleep(RECHECK.toNanos());
        }
        return !stop.getAsBoolean();
    }

    /** {@code n} orgs were published. */
    void published(int n) {
        if (estimate >= 0) {
            estimate += n;
        }
    }

    /** The last measured backlog (−1 before any). */
    long lastMeasured() {
        return lastMeasured;
    }

    long holds() {
        return holds;
    }
}
