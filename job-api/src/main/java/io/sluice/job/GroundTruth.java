package io.sluice.job;

import java.time.Instant;
import java.util.List;

/**
 * The simulator's own data, which a job's {@link Job#mismatch} compares a result with: accepted outcomes
 * ({@code outcome = 0}) per org, project and UTC hour.
 */
public interface GroundTruth {

    /** The org's projects, ascending. */
    List<Long> projects(long orgId);

    /** The accepted total of one project in the hour starting at {@code hour}; -1 for an hour with no row. */
    long total(long orgId, long projectId, Instant hour);

    /** The accepted total of one project in one hour, or -1. */
    @FunctionalInterface
    interface Totals {
        long total(long orgId, long projectId, Instant hour);
    }

    /** A ground truth of these two functions: how the simulator's data is handed to a check. */
    static GroundTruth of(java.util.function.LongFunction<List<Long>> projects, Totals totals) {
        return new GroundTruth() {
            @Override
            public List<Long> projects(long orgId) {
                return projects.apply(orgId);
            }

            @Override
            public long total(long orgId, long projectId, Instant hour) {
                return totals.total(orgId, projectId, hour);
            }
        };
    }
}
