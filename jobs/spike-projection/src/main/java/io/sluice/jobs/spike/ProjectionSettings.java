package io.sluice.jobs.spike;

/**
 * Config section {@code projection}.
 *
 * @param historyDays how many days the medians are taken over; the batch window must span exactly this many
 * @param multiplier  threshold = multiplier × median. At least 1: a smaller multiplier puts the threshold
 *                    below the projected volume itself (0 would flatten every threshold to {@code floor}),
 *                    so an ordinary hour would count as a spike. That is a configuration mistake, not a mode.
 * @param floor       the least threshold, so that quiet projects are not flagged for a handful of events
 */
public record ProjectionSettings(int historyDays, long multiplier, long floor) {
    /** A year: the outcomes we query are not kept longer, and the projector holds days × 24 totals per project. */
    public static final int MAX_HISTORY_DAYS = 366;

    public ProjectionSettings {
        if (historyDays < 1 || historyDays > MAX_HISTORY_DAYS) {
            throw new IllegalArgumentException("projection.history-days must be 1.." + MAX_HISTORY_DAYS + ", got " + historyDays);
        }
        if (multiplier < 1) {
            throw new IllegalArgumentException("projection.multiplier must be >= 1, got " + multiplier
                    + " (a threshold below the projected volume would flag ordinary hours as spikes)");
        }
        if (floor < 0) {
            throw new IllegalArgumentException("projection.floor must be >= 0, got " + floor);
        }
    }

    public static ProjectionSettings defaults() {
        return new ProjectionSettings(7, 10, 100);
    }
}
