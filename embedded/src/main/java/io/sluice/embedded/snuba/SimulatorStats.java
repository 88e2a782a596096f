package io.sluice.embedded.snuba;

import java.util.Map;

/**
 * What the simulator has seen since start or the last reset ({@code GET /stats}).
 *
 * @param requests      SnQL requests received, whatever their answer
 * @param ok            200 answers
 * @param rateLimited   429 answers (over the limit or injected)
 * @param badRequests   400 answers
 * @param serverErrors  5xx answers
 * @param inFlight      queries in flight now, all referrers
 * @param peakInFlight  highest in-flight count per referrer
 * @param queriesPerOrg valid queries per org id, whatever their answer
 * @param okPerOrg      200 answers per org id
 */
public record SimulatorStats(long requests, long ok, long rateLimited, long badRequests, long serverErrors,
                             int inFlight, Map<String, Integer> peakInFlight, Map<Long, Long> queriesPerOrg,
                             Map<Long, Long> okPerOrg) {
    public SimulatorStats {
        peakInFlight = Map.copyOf(peakInFlight);
        queriesPerOrg = Map.copyOf(queriesPerOrg);
        okPerOrg = Map.copyOf(okPerOrg);
    }

    /** The highest peak over all referrers. */
    public int maxPeakInFlight() {
        return peakInFlight.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}
