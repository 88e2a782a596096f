package io.sluice.replay;

import java.io.PrintWriter;
import java.util.List;
import java.util.OptionalLong;

/**
 * What moving a group's offsets on one topic would do, partition by partition. A partition
 * without a committed offset counts as positioned at its earliest offset, where the group's
 * consumers ({@code auto.offset.reset: earliest}) would start.
 */
public record OffsetResetPlan(String group, String topic, ResetTarget target, List<Row> rows) {

    public OffsetResetPlan {
        rows = List.copyOf(rows);
    }

    /** One partition: committed offset (empty when none), the log's bounds, the new offset and why it differs from the asked one. */
    public record Row(int partition, OptionalLong committed, long earliest, long end, long target, String note) {

        /** Where the group stands now: the committed offset, or earliest without one, within the log's bounds. */
        public long current() {
            long c = committed.orElse(earliest);
            return Math.max(earliest, Math.min(end, c));
        }

        /** Records already processed that the group will process again. */
        public long toReplay() {
            return Math.max(0, current() - target);
        }

        /** Records not yet processed that the group will never see (a target ahead of the current position). */
        public long toSkip() {
            return Math.max(0, target - current());
        }
    }

    public long totalToReplay() {
        return rows.stream().mapToLong(Row::toReplay).sum();
    }

    public long totalToSkip() {
        return rows.stream().mapToLong(Row::toSkip).sum();
    }

    public void print(PrintWriter out) {
        out.printf("group %s on topic %s, target: %s%n", group, topic, target.describe());
        out.printf("%-9s  %12s  %12s  %12s  %17s  %s%n", "PARTITION", "CURRENT", "TARGET", "END", "RECORDS TO REPLAY", "NOTE");
        for (Row r : rows) {
            String note = r.note();
            if (r.toSkip() > 0) {
                note = (note.isEmpty() ? "" : note + "; ") + "skips " + r.toSkip() + " unprocessed records";
            }
            out.printf("%-9d  %12s  %12d  %12d  %17d  %s%n", r.partition(),
                    r.committed().isPresent() ? Long.toString(r.committed().getAsLong()) : "-",
                    r.target(), r.end(), r.toReplay(), note);
        }
        out.printf("total: %d records to replay across %d partitions%n", totalToReplay(), rows.size());
        if (totalToSkip() > 0) {
            out.printf("warning: %d records not yet processed will be skipped%n", totalToSkip());
        }
    }
}
