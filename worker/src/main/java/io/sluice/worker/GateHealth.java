package io.sluice.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Whether the slot pool answers, as the poll thread sees it: after a failure every partition stays
 * paused until {@link #downUntil()}, the retry delay doubling from 100 ms to 5 s; any answer from
 * the pool (granted or refused) makes it healthy again. Written on the poll thread only;
 * {@link #healthy()} is read by {@code /readyz} and the ready gauge.
 */
final class GateHealth {
    private static final Logger LOG = LoggerFactory.getLogger(GateHealth.class);
    private static final long RETRY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(5);

    private volatile boolean healthy = true;
    private long downUntil = Long.MIN_VALUE;
    private long retryNanos = RETRY_MIN_NANOS;

    boolean healthy() {
        return healthy;
    }

    /** True while no org may ask the pool: a failure's retry delay has not passed. */
    boolean down(long now) {
        return now < downUntil;
    }

    long downUntil() {
        return downUntil;
    }

    void failed(long now, Throwable cause) {
        if (healthy || now >= downUntil) {
            LOG.warn("slot pool unreachable ({}); all partitions paused, retrying in {} ms", cause,
                    TimeUnit.NANOSECONDS.toMillis(retryNanos));
        }
        healthy = false;
        downUntil = now + retryNanos;
        retryNanos = Math.min(RETRY_MAX_NANOS, retryNanos * 2);
    }

    void answered() {
        if (!healthy) {
            LOG.info("slot pool reachable again; resuming");
        }
        healthy = true;
        retryNanos = RETRY_MIN_NANOS;
    }
}
