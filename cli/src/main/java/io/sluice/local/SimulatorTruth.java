package io.sluice.local;

import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.job.GroundTruth;

/** The simulator's own data as the ground truth a job checks its results against. */
public final class SimulatorTruth {
    private SimulatorTruth() {
    }

    public static GroundTruth of(SyntheticData data) {
        return GroundTruth.of(data::projects, (o, p, h) -> data.total(o, p, h).orElse(-1));
    }
}
