package io.sluice.slots.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The pool's meters (DESIGN section 9), tagged {@code pool}. Gauges hold their state strongly. */
final class SlotMetrics {
    /** Pool-wide figures, refreshed from script replies and the heartbeat. */
    static final class Figures {
        final AtomicLong limit = new AtomicLong();
        final AtomicLong inUse = new AtomicLong();
    }

    final Figures figures = new Figures();
    private final Timer granted;
    private final Timer refused;
    private final Timer error;
    private final Timer wait;
    private final Counter lost;
    private final Counter rechecked;
    private final Counter requeued;

    SlotMetrics(MeterRegistry registry, String pool, Map<?, ?> held) {
        Gauge.builder("sluice.slots.limit", figures, f -> f.limit.get()).tag("pool", pool).strongReference(true)
                .description("The pool's live limit").register(registry);
        Gauge.builder("sluice.slots.in_use", figures, f -> f.inUse.get()).tag("pool", pool).strongReference(true)
                .description("Live leases in the whole pool").register(registry);
        Gauge.builder("sluice.slots.held", held, Map::size).tag("pool", pool).strongReference(true)
                .description("Leases this process holds").register(registry);
        granted = acquireTimer(registry, pool, "granted");
        refused = acquireTimer(registry, pool, "refused");
        error = acquireTimer(registry, pool, "error");
        wait = Timer.builder("sluice.slots.wait").tag("pool", pool)
                .description("From the first refusal or enqueue to the grant").register(registry);
        lost = Counter.builder("sluice.slots.lease.lost").tag("pool", pool)
                .description("Leases whose holder could not be sure it still held them").register(registry);
        rechecked = Counter.builder("sluice.slots.tickets.rechecked").tag("pool", pool)
                .description("Queued tickets re-checked by the fallback timer (batched per client)").register(registry);
        requeued = Counter.builder("sluice.slots.tickets.requeued").tag("pool", pool)
                .description("Queued tickets found gone from Redis and queued again at the tail").register(registry);
    }

    private static Timer acquireTimer(MeterRegistry registry, String pool, String outcome) {
        return Timer.builder("sluice.slots.acquire").tag("pool", pool).tag("outcome", outcome)
                .description("Acquire calls, from the call to the outcome").register(registry);
    }

    void figures(long limit, long inUse) {
        figures.limit.set(limit);
        figures.inUse.set(inUse);
    }

    void granted(long nanos) {
        granted.record(nanos, TimeUnit.NANOSECONDS);
    }

    void refused(long nanos) {
        refused.record(nanos, TimeUnit.NANOSECONDS);
    }

    void error(long nanos) {
        error.record(nanos, TimeUnit.NANOSECONDS);
    }

    void waited(long nanos) {
        wait.record(Duration.ofNanos(nanos));
    }

    void rechecked(int tickets) {
        rechecked.increment(tickets);
    }

    void requeued() {
        requeued.increment();
    }

    void lost() {
        lost.increment();
    }
}
