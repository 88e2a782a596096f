package io.sluice.jobs.spike;

import io.sluice.job.GroundTruth;
import io.sluice.messages.Window;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The projection an org must get, computed straight from the simulator's data and the projection
 * formula (docs/JOBS.md), without the projector, the answer parser or the simulator's query path.
 */
final class ExpectedProjection {
    private ExpectedProjection() {
    }

    static List<ProjectProjection> of(GroundTruth data, long org, Window window, int days, long multiplier, long floor) {
        List<ProjectProjection> out = new ArrayList<>();
        for (long project : data.projects(org)) {
            long[] hourly = new long[24];
            long[] threshold = new long[24];
            for (int h = 0; h < 24; h++) {
                long[] values = new long[days];
                for (int d = 0; d < days; d++) {
                    Instant hour = window.start().plus(d, ChronoUnit.DAYS).plus(h, ChronoUnit.HOURS);
                    values[d] = Math.max(0, data.total(org, project, hour));
                }
                Arrays.sort(values);
                hourly[h] = days % 2 == 1 ? values[days / 2] : (values[days / 2 - 1] + values[days / 2] + 1) / 2;
                threshold[h] = Math.max(floor, multiplier * hourly[h]);
            }
            out.add(new ProjectProjection(project, hourly, threshold));
        }
        return out;
    }
}
