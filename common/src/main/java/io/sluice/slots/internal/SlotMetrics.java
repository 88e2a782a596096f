package io.sluice.slots.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The pool's meters (docs/METRICS.md), tagged {@code pool}. Gauges hold their state strongly. */
final class SlotMetrics {
    /** Pool-wide figures, refreshed from script replies and the heartbeat. */
    static final class Figures {
        final AtomicLong limit = new AtomicLong();
        final AtomicLong inUse = new AtomicLong();
    }

    /**
     * The adaptive limit's view of the downstream ({@code slots.adaptive} only): Snuba's own numbers
     * in this client's latest report that carried any ({@link Adapter#report}), until they are
     * {@link #STALE} old.
     */
    static final class Downstream {
        private final HolderClock clock;
        private volatile Reading reading;

        private Downstream(HolderClock clock) {
            this.clock = clock;
        }

        void numbers(int threshold, int used) {
            reading = new Reading(threshold, used, clock.now());
        }

        private double threshold() {
            Reading r = fresh();
            return r == null ? Double.NaN : r.threshold;
        }

        private double used() {
            Reading r = fresh();
            return r == null ? Double.NaN : r.used;
        }

        private Reading fresh() {
            Reading r = reading;
            return r == null || clock.now() - r.atNanos > STALE.toNanos() ? null : r;
        }

        private record Reading(int threshold, int used, long atNanos) {
        }
    }

    /** After this long without an answer that carries numbers, the downstream gauges read NaN (no reading). */
    static final Duration STALE = Duration.ofMinutes(1);

    final Figures figures = new Figures();
    final ClassMetrics classes;
    private final MeterRegistry registry;
    private final String pool;
    private final Timer granted;
    private final Timer refused;
    private final Timer error;
    private final Timer wait;
    private final Counter lost;
    private final Counter rechecked;
    private final Counter requeued;

    SlotMetrics(MeterRegistry registry, String pool, Map<?, ?> held, Map<?, ?> retiring) {
        this.registry = registry;
        this.pool = pool;
        this.classes = new ClassMetrics(registry, pool);
        Gauge.builder("sluice.slots.limit", figures, f -> f.limit.get()).tag("pool", pool).strongReference(true)
                .description("The pool's live limit").register(registry);
        Gauge.builder("sluice.slots.in_use", figures, f -> f.inUse.get()).tag("pool", pool).strongReference(true)
                .description("Live leases in the whole pool").register(registry);
        Gauge.builder("sluice.slots.held", held, Map::size).tag("pool", pool).strongReference(true)
                .description("Leases this process holds").register(registry);
        Gauge.builder("sluice.slots.abandoned", retiring, Map::size).tag("pool", pool).strongReference(true)
                .description("Leases this process keeps for queries it stopped waiting for, until the downstream is surely done")
                .register(registry);
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

    /** The adaptive limit's meters: its bounds, and the downstream's numbers that {@link Adapter} reports. */
    Downstream adaptive(int minLimit, int maxLimit, HolderClock clock) {
        Gauge.builder("sluice.slots.adaptive.min_limit", () -> minLimit).tag("pool", pool)
                .description("slots.min-limit: the adaptive controller moves the live limit no lower").register(registry);
        Gauge.builder("sluice.slots.adaptive.max_limit", () -> maxLimit).tag("pool", pool)
                .description("slots.max-limit: the adaptive controller moves the live limit no higher").register(registry);
        Downstream d = new Downstream(clock);
        Gauge.builder("sluice.slots.adaptive.threshold", d, Downstream::threshold).tag("pool", pool).strongReference(true)
                .description("The downstream's rejection_threshold in this client's latest report with numbers; NaN if none for a minute")
                .register(registry);
        Gauge.builder("sluice.slots.adaptive.quota_used", d, Downstream::used).tag("pool", pool).strongReference(true)
                .description("The most quota_used (all callers, ours included) among the admitted answers of that report; NaN if none for a minute")
                .register(registry);
        return d;
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
