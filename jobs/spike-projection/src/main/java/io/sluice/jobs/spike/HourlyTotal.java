package io.sluice.jobs.spike;

import java.time.Instant;
import java.util.Objects;

/**
 * One row of Snuba's answer: a project's accepted-event total in the hour starting at {@code hour}.
 * Totals are sums of quantities, so a negative one means a broken answer; refusing it here keeps the
 * projector's overflow-safe arithmetic (which assumes non-negative values) honest.
 */
public record HourlyTotal(long projectId, Instant hour, long total) {
    public HourlyTotal {
        Objects.requireNonNull(hour, "hour");
        if (total < 0) {
            throw new IllegalArgumentException("total for project " + projectId + " at " + hour
                    + " is " + total + "; totals are sums of quantities and must be >= 0");
        }
    }
}
