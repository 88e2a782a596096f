package io.sluice.bench;

import java.util.Map;

/**
 * One contender's figures from one measured window. Jain's index is over per-thread and over
 * per-client grant counts; commands are Redis' own counts (INFO commandstats) over the window;
 * {@code scriptCallsPerGrant} counts EVALSHA alone (for Sluice: first attempts, hand-off
 * releases and fallback re-checks together). {@code errors} counts failed calls over the whole run.
 * {@code poolMeters}: what the contender's own meters counted over the window, summed over its
 * clients (Sluice: {@code sluice.slots.*} counters and timer counts), where it has any.
 * {@code floorDuring}: the floor probed through the same window, under this contender's load ({@link Floor#during}), or null.
 */
record BenchResult(String contender, String settings, int clients, int threads, long grants, double seconds,
                   double throughputPerS, double utilization, int peakConcurrency, long overLimitGrants, double handoffP50Ms,
                   double handoffP99Ms, double acquireP50Ms, double acquireP99Ms, double acquireP999Ms, double jainThreads,
                   double jainClients, long skipped, long errors, String firstError, Double redisCommandsPerS,
                   Double redisCommandsPerGrant, Double scriptCallsPerGrant, Map<String, Long> redisCommands,
                   Map<String, Long> poolMeters, Floor.Figures floorDuring) {

    /** Acquire+release pairs per second on one client with a limit nobody reaches. */
    record Raw(String contender, int threads, double pairsPerS, Double redisCommandsPerPair, long errors) {}
}
