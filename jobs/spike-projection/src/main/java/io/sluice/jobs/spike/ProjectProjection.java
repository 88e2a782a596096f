package io.sluice.jobs.spike;

import java.util.Arrays;

/** One project's next-day projection: 24 hourly medians and 24 spike thresholds (UTC hours 0..23). */
public record ProjectProjection(long projectId, long[] hourly, long[] threshold) {
    public static final int HOURS = 24;

    public ProjectProjection {
        if (hourly.length != HOURS || threshold.length != HOURS) {
            throw new IllegalArgumentException("hourly and threshold need " + HOURS + " values, got "
                    + hourly.length + " and " + threshold.length);
        }
        hourly = hourly.clone();
        threshold = threshold.clone();
    }

    @Override
    public long[] hourly() {
        return hourly.clone();
    }

    @Override
    public long[] threshold() {
        return threshold.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProjectProjection p && p.projectId == projectId
                && Arrays.equals(p.hourly, hourly) && Arrays.equals(p.threshold, threshold);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(projectId) + Arrays.hashCode(hourly)) + Arrays.hashCode(threshold);
    }

    @Override
    public String toString() {
        return "ProjectProjection[projectId=" + projectId + ", hourly=" + Arrays.toString(hourly)
                + ", threshold=" + Arrays.toString(threshold) + "]";
    }
}
