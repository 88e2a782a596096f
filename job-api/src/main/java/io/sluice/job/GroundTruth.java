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
}
