package io.sluice.local;

import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.job.GroundTruth;

import java.time.Instant;
import java.util.List;

/** The simulator's own data as the ground truth a job checks its results against. */
public record SimulatorTruth(SyntheticData data) implements GroundTruth {

    @Override
    public List<Long> projects(long orgId) {
        return data.projects(orgId);
    }

    @Override
    public long total(long orgId, long projectId, Instant hour) {
        return data.total(orgId, projectId, hour).orElse(-1);
    }
}
