package io.sluice.embedded.snuba;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Answer counts for {@link SimulatorStats}. */
final class RequestCounters {
    final LongAdder requests = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder rateLimited = new LongAdder();
    final LongAdder badRequests = new LongAdder();
    final LongAdder serverErrors = new LongAdder();
    private final Map<Long, LongAdder> queriesPerOrg = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> okPerOrg = new ConcurrentHashMap<>();

    void query(long orgId) {
        queriesPerOrg.computeIfAbsent(orgId, k -> new LongAdder()).increment();
    }

    void ok(long orgId) {
        ok.increment();
        okPerOrg.computeIfAbsent(orgId, k -> new LongAdder()).increment();
    }

    SimulatorStats snapshot(ConcurrencyGate gate) {
        return new SimulatorStats(requests.sum(), ok.sum(), rateLimited.sum(), badRequests.sum(), serverErrors.sum(),
                gate.inFlight(), gate.peaks(), sums(queriesPerOrg), sums(okPerOrg));
    }

    void reset() {
        requests.reset();
        ok.reset();
        rateLimited.reset();
        badRequests.reset();
        serverErrors.reset();
        queriesPerOrg.clear();
        okPerOrg.clear();
    }

    private static Map<Long, Long> sums(Map<Long, LongAdder> counts) {
        Map<Long, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
