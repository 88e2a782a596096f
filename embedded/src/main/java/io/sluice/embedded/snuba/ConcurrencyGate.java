package io.sluice.embedded.snuba;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Snuba's concurrency limit per referrer, exact: a query is admitted only if fewer than
 * {@code limit} of that referrer's queries are in flight, decided by compare-and-set, so the
 * in-flight count never goes above the limit, not even for a moment.
 */
final class ConcurrencyGate {
    private final Map<String, Referrer> referrers = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile int limit;

    ConcurrencyGate(int limit) {
        limit(limit);
    }

    void limit(int newLimit) {
        if (newLimit < 1) {
            throw new IllegalArgumentException("limit " + newLimit + " is invalid; valid: >= 1");
        }
        this.limit = newLimit;
    }

    int limit() {
        return limit;
    }

    /** Admits one query of {@code referrer}, or returns false when {@code limit} are in flight. */
    boolean tryEnter(String referrer) {
        Referrer r = referrers.computeIfAbsent(referrer, k -> new Referrer());
        int current;
        do {
            current = r.inFlight.get();
            if (current >= limit) {
                return false;
            }
        } while (!r.inFlight.compareAndSet(current, current + 1));
        r.peak.accumulateAndGet(current + 1, Math::max);
        total.incrementAndGet();
        return true;
    }

    void exit(String referrer) {
        referrers.get(referrer).inFlight.decrementAndGet();
        total.decrementAndGet();
    }

    int inFlight() {
        return total.get();
    }

    int inFlight(String referrer) {
        Referrer r = referrers.get(referrer);
        return r == null ? 0 : r.inFlight.get();
    }

    Map<String, Integer> peaks() {
        Map<String, Integer> peaks = new TreeMap<>();
        referrers.forEach((name, r) -> peaks.put(name, r.peak.get()));
        return peaks;
    }

    /** Peaks restart from what is in flight now. */
    void resetPeaks() {
        referrers.values().forEach(r -> r.peak.set(r.inFlight.get()));
    }

    private static final class Referrer {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
    }
}
