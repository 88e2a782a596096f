package io.sluice.slots.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of a declared pool's classes (docs/METRICS.md), tagged {@code pool} and {@code class}, each
 * registered when the class is first seen. Seat figures are pool-wide, read from Redis by the heartbeat
 * (never on a grant's path); the wait timer is this process's own waits.
 */
final class ClassMetrics {
    /** One class' pool-wide seats, as the latest heartbeat saw them. */
    static final class Seats {
        final AtomicLong nominal = new AtomicLong();
        final AtomicLong guaranteed = new AtomicLong();
        final AtomicLong inUse = new AtomicLong();
        final AtomicLong waiting = new AtomicLong();
        final AtomicLong borrowed = new AtomicLong();
        final AtomicLong lent = new AtomicLong();
    }

    private final MeterRegistry registry;
    private final String pool;
    private final Map<String, Seats> seats = new ConcurrentHashMap<>();
    private final Map<String, Timer> waits = new ConcurrentHashMap<>();

    ClassMetrics(MeterRegistry registry, String pool) {
        this.registry = registry;
        this.pool = pool;
    }

    /**
     * A heartbeat's figures, {@code name, nominal, guaranteed, used, waiting} per class. A class borrows the
     * seats it holds beyond its nominal share; it lends those of its nominal seats it leaves idle, as far as
     * the other classes borrow.
     */
    void figures(List<?> flat) {
        int n = flat.size() / 5;
        long[] used = new long[n];
        long[] nominal = new long[n];
        long borrowedAll = 0;
        for (int i = 0; i < n; i++) {
            nominal[i] = (Long) flat.get(i * 5 + 1);
            used[i] = (Long) flat.get(i * 5 + 3);
            borrowedAll += Math.max(0, used[i] - nominal[i]);
        }
        for (int i = 0; i < n; i++) {
            Seats s = seats((String) flat.get(i * 5));
            long borrowed = Math.max(0, used[i] - nominal[i]);
            s.nominal.set(nominal[i]);
            s.guaranteed.set((Long) flat.get(i * 5 + 2));
            s.inUse.set(used[i]);
            s.waiting.set((Long) flat.get(i * 5 + 4));
            s.borrowed.set(borrowed);
            s.lent.set(Math.min(Math.max(0, nominal[i] - used[i]), borrowedAll - borrowed));
        }
    }

    /**
     * A wait of this process's, from the first refusal or enqueue to the grant, by an owner ({@code @CLASS/...}
     * names its class) of a pool with this declaration; without a declared class it counts for the first
     * class, as the scheduler serves it. Nothing for a pool of fewer than two classes.
     */
    void waited(String owner, String declaration, long nanos) {
        int classes = declaration.split(";class=", -1).length - 1;
        if (classes < 2) {
            return;
        }
        String slotClass = null;
        if (owner.startsWith("@") && owner.indexOf('/') > 1) {
            String named = owner.substring(1, owner.indexOf('/'));
            if (declaration.contains(";class=" + named + ",")) {
                slotClass = named;
            }
        }
        if (slotClass == null) {
            int at = declaration.indexOf(";class=") + 7;
            slotClass = declaration.substring(at, declaration.indexOf(',', at));
        }
        timer(slotClass).record(Duration.ofNanos(nanos));
    }

    private Timer timer(String slotClass) {
        return waits.computeIfAbsent(slotClass, c -> Timer.builder("sluice.slots.class.wait").tag("pool", pool).tag("class", c)
                .description("From the first refusal or enqueue to the grant, per class").register(registry));
    }

    Seats seats(String slotClass) {
        return seats.computeIfAbsent(slotClass, this::register);
    }

    private Seats register(String c) {
        Seats s = new Seats();
        Gauge.builder("sluice.slots.class.nominal", s.nominal, AtomicLong::get).tag("pool", pool).tag("class", c).strongReference(true)
                .description("The class' nominal seats of the live limit").register(registry);
        Gauge.builder("sluice.slots.class.guaranteed", s.guaranteed, AtomicLong::get).tag("pool", pool).tag("class", c)
                .strongReference(true).description("The class' guaranteed seats: nominal less lendable").register(registry);
        Gauge.builder("sluice.slots.class.in_use", s.inUse, AtomicLong::get).tag("pool", pool).tag("class", c).strongReference(true)
                .description("Live leases of the class in the whole pool").register(registry);
        Gauge.builder("sluice.slots.class.waiting", s.waiting, AtomicLong::get).tag("pool", pool).tag("class", c).strongReference(true)
                .description("Queued tickets of the class in the whole pool").register(registry);
        Gauge.builder("sluice.slots.class.borrowed", s.borrowed, AtomicLong::get).tag("pool", pool).tag("class", c).strongReference(true)
                .description("Seats the class holds beyond its nominal share").register(registry);
        Gauge.builder("sluice.slots.class.lent", s.lent, AtomicLong::get).tag("pool", pool).tag("class", c).strongReference(true)
                .description("Nominal seats of the class that other classes hold").register(registry);
        timer(c);   // served from the first figures on, so that a class that never waited shows 0
        return s;
    }
}
