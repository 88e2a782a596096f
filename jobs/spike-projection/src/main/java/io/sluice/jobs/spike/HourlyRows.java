package io.sluice.jobs.spike;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Snuba's answer as three parallel primitive columns: row {@code i} says that project {@link #projectId(int)} had
 * {@link #total(int)} accepted events in the hour starting at {@link #epochSecond(int)} (UTC, whole seconds).
 * No object per row, so a 1,700-row answer costs three arrays rather than 1,700 records and their {@link Instant}s.
 *
 * <p>Immutable once built. Totals are sums of quantities, so the builder refuses a negative one, as
 * {@link HourlyTotal} does: the projector's overflow-safe arithmetic assumes non-negative values.
 */
public final class HourlyRows {
    private static final HourlyRows EMPTY = new HourlyRows(new long[0], new long[0], new long[0], 0);

    private final long[] projectId;
    private final long[] epochSecond;
    private final long[] total;
    private final int size;

    private HourlyRows(long[] projectId, long[] epochSecond, long[] total, int size) {
        this.projectId = projectId;
        this.epochSecond = epochSecond;
        this.total = total;
        this.size = size;
    }

    public static HourlyRows empty() {
        return EMPTY;
    }

    /** The rows of {@code rows}, in order; an hour with a fraction of a second is floored to its second. */
    public static HourlyRows of(List<HourlyTotal> rows) {
        Builder b = builder(rows.size());
        for (HourlyTotal r : rows) {
            b.add(r.projectId(), r.hour().getEpochSecond(), r.total());
        }
        return b.build();
    }

    public static Builder builder(int expectedRows) {
        return new Builder(expectedRows);
    }

    public int size() {
        return size;
    }

    public long projectId(int i) {
        return projectId[check(i)];
    }

    public long epochSecond(int i) {
        return epochSecond[check(i)];
    }

    public long total(int i) {
        return total[check(i)];
    }

    /** One record per row: for tests and debugging, not for the hot path. */
    public List<HourlyTotal> toList() {
        List<HourlyTotal> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new HourlyTotal(projectId[i], Instant.ofEpochSecond(epochSecond[i]), total[i]));
        }
        return out;
    }

    private int check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("row " + i + " of " + size);
        }
        return i;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HourlyRows r && r.size == size
                && Arrays.equals(projectId, 0, size, r.projectId, 0, size)
                && Arrays.equals(epochSecond, 0, size, r.epochSecond, 0, size)
                && Arrays.equals(total, 0, size, r.total, 0, size);
    }

    @Override
    public int hashCode() {
        int h = size;
        for (int i = 0; i < size; i++) {
            h = 31 * h + Long.hashCode(projectId[i]);
            h = 31 * h + Long.hashCode(epochSecond[i]);
            h = 31 * h + Long.hashCode(total[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        return "HourlyRows[" + size + " rows]";
    }

    /** Appends rows; arrays grow by doubling. Not thread-safe; {@link #build()} once. */
    public static final class Builder {
        private long[] projectId;
        private long[] epochSecond;
        private long[] total;
        private int size;
        private boolean built;

        private Builder(int expectedRows) {
            int capacity = Math.max(8, expectedRows);
            projectId = new long[capacity];
            epochSecond = new long[capacity];
            total = new long[capacity];
        }

        public Builder add(long project, long second, long rowTotal) {
            if (built) {
                throw new IllegalStateException("rows already built; they are immutable");
            }
            if (rowTotal < 0) {
                throw new IllegalArgumentException(negativeTotal(project, second, rowTotal));
            }
            if (size == projectId.length) {
                int capacity = size * 2;
                projectId = Arrays.copyOf(projectId, capacity);
                epochSecond = Arrays.copyOf(epochSecond, capacity);
                total = Arrays.copyOf(total, capacity);
            }
            projectId[size] = project;
            epochSecond[size] = second;
            total[size] = rowTotal;
            size++;
            return this;
        }

        public int size() {
            return size;
        }

        public HourlyRows build() {
            built = true;
            return size == 0 ? EMPTY : new HourlyRows(projectId, epochSecond, total, size);
        }
    }

    /** The same words as {@link HourlyTotal}'s refusal. */
    static String negativeTotal(long project, long second, long rowTotal) {
        return "total for project " + project + " at " + Instant.ofEpochSecond(second)
                + " is " + rowTotal + "; totals are sums of quantities and must be >= 0";
    }
}
