package io.sluice.worker;

import java.time.Duration;

/**
 * What a worker may spend after SIGTERM, step by step: {@code worker.shutdown-grace} for in-flight
 * queries, then the synchronous commit, the consumer's close (leaves the group) and the producer's close
 * (flushes results). The pod's {@code terminationGracePeriodSeconds} must cover {@link #total}; a test
 * checks the rendered manifests against it.
 */
public final class ShutdownBudget {
    public static final Duration COMMIT = Duration.ofSeconds(10);
    public static final Duration CONSUMER_CLOSE = Duration.ofSeconds(10);
    public static final Duration PRODUCER_CLOSE = Duration.ofSeconds(10);
    /** Releasing leases, JVM shutdown hooks, the kubelet's own latency. */
    public static final Duration MARGIN = Duration.ofSeconds(5);

    private ShutdownBudget() {
    }

    /** The longest a worker with this shutdown grace takes from SIGTERM to exit. */
    public static Duration total(Duration shutdownGrace) {
        return shutdownGrace.plus(COMMIT).plus(CONSUMER_CLOSE).plus(PRODUCER_CLOSE).plus(MARGIN);
    }
}
