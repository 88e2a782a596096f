package io.sluice.jobs.spike;

import io.sluice.messages.Window;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every expected array below was worked out by hand from the rows; the comments show the arithmetic. */
class SpikeProjectorTest {
    private static final Instant DAY0 = Instant.parse("2026-11-25T00:00:00Z");

    private static Window days(int n) {
        return new Window(DAY0, DAY0.plusSeconds(86_400L * n));
    }

    private static HourlyTotal row(long project, int day, int hour, long total) {
        return new HourlyTotal(project, DAY0.plusSeconds(86_400L * day + 3_600L * hour), total);
    }

    private static SpikeProjector projector(int days, long multiplier, long floor) {
        return new SpikeProjector(new ProjectionSettings(days, multiplier, floor));
    }

    @Test
    void oddDayCountTakesTheMiddleValueAndMissingBucketsCountAsZero() {
        List<HourlyTotal> rows = List.of(
                // hour 0: 10, 30, 20 -> sorted 10, 20, 30 -> median 20 -> threshold max(100, 200) = 200
                row(5, 0, 0, 10), row(5, 1, 0, 30), row(5, 2, 0, 20),
                // hour 1: 7, (missing = 0), 3 -> sorted 0, 3, 7 -> median 3 -> max(100, 30) = 100
                row(5, 0, 1, 7), row(5, 2, 1, 3),
                // hour 2: only day 1 has 500 -> 0, 0, 500 -> median 0 -> 100
                row(5, 1, 2, 500),
                // hour 23: 1000 every day -> 1000 -> 10000
                row(5, 0, 23, 1000), row(5, 1, 23, 1000), row(5, 2, 23, 1000));

        List<ProjectProjection> out = projector(3, 10, 100).project(days(3), HourlyRows.of(rows));

        assertThat(out).containsExactly(new ProjectProjection(5,
                new long[] {20, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000},
                new long[] {200, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
                        100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 10000}));
    }

    @Test
    void evenDayCountRoundsTheMeanOfTheMiddleTwoHalfUp() {
        List<HourlyTotal> rows = List.of(
                row(1, 0, 0, 3), row(1, 1, 0, 4),   // (3 + 4 + 1) / 2 = 4
                row(1, 0, 1, 5), row(1, 1, 1, 5),   // (5 + 5 + 1) / 2 = 5 (floor of 5.5)
                row(1, 1, 2, 1),                    // 0, 1 -> (0 + 1 + 1) / 2 = 1
                row(1, 0, 3, 0),                    // 0, 0 -> (0 + 0 + 1) / 2 = 0
                row(1, 0, 4, 6), row(1, 1, 4, 9));  // (6 + 9 + 1) / 2 = 8

        List<ProjectProjection> out = projector(2, 1, 0).project(days(2), HourlyRows.of(rows));

        long[] expected = {4, 5, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(out).containsExactly(new ProjectProjection(1, expected, expected));   // multiplier 1, floor 0
    }

    @Test
    void fourDaysUseTheTwoMiddleValuesAfterSorting() {
        List<HourlyTotal> rows = List.of(
                // hour 0: 1, 100, 2, 7 -> sorted 1, 2, 7, 100 -> (2 + 7 + 1) / 2 = 5 -> threshold 50
                row(8, 0, 0, 1), row(8, 1, 0, 100), row(8, 2, 0, 2), row(8, 3, 0, 7),
                // hour 5: 9, 10, missing, missing -> 0, 0, 9, 10 -> (0 + 9 + 1) / 2 = 5 -> 50
                row(8, 0, 5, 9), row(8, 1, 5, 10),
                // hour 6: 10, 8, 9, 8 -> 8, 8, 9, 10 -> (8 + 9 + 1) / 2 = 9 -> 90
                row(8, 0, 6, 10), row(8, 1, 6, 8), row(8, 2, 6, 9), row(8, 3, 6, 8));

        List<ProjectProjection> out = projector(4, 10, 0).project(days(4), HourlyRows.of(rows));

        assertThat(out).containsExactly(new ProjectProjection(8,
                new long[] {5, 0, 0, 0, 0, 5, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                new long[] {50, 0, 0, 0, 0, 50, 90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    }

    @Test
    void aSpikeDayDoesNotMoveTheMedian() {
        // hour 12 over 7 days: 50, 55, 1_000_000, 60, 52, 58, 54 -> sorted 50 52 54 55 58 60 1e6 -> 55 -> 550
        long[] hour12 = {50, 55, 1_000_000, 60, 52, 58, 54};
        List<HourlyTotal> rows = new ArrayList<>();
        for (int d = 0; d < 7; d++) {
            rows.add(row(3, d, 12, hour12[d]));
        }

        List<ProjectProjection> out = projector(7, 10, 100).project(days(7), HourlyRows.of(rows));

        assertThat(out).containsExactly(new ProjectProjection(3,
                new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                new long[] {100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
                        550, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}));
    }

    @Test
    void anOrgWithNoDataHasNoProjects() {
        assertThat(projector(7, 10, 100).project(days(7), HourlyRows.empty())).isEmpty();
    }

    @Test
    void thresholdIsTheFloorUntilMultipleExceedsIt() {
        List<HourlyTotal> rows = List.of(
                row(1, 0, 0, 9),    // 10 x 9  = 90  < floor -> 100
                row(1, 0, 1, 10),   // 10 x 10 = 100 = floor -> 100
                row(1, 0, 2, 11));  // 10 x 11 = 110 > floor -> 110

        List<ProjectProjection> out = projector(1, 10, 100).project(days(1), HourlyRows.of(rows));

        assertThat(out).containsExactly(new ProjectProjection(1,
                new long[] {9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                new long[] {100, 100, 110, 100, 100, 100, 100, 100, 100, 100, 100, 100,
                        100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100}));
    }

    @Test
    void hugeTotalsNeitherOverflowTheMedianNorTheThreshold() {
        long max = Long.MAX_VALUE;
        List<HourlyTotal> rows = List.of(
                // (max-2 + max + 1) / 2 = max - 1 (a + b would overflow); 10 x (max - 1) saturates to max
                row(1, 0, 0, max - 2), row(1, 1, 0, max),
                // duplicates of one bucket sum and saturate: max + 5 -> max; median of (max, 1) = (max + 1 + 1) / 2
                row(1, 0, 1, max), row(1, 0, 1, 5), row(1, 1, 1, 1));

        List<ProjectProjection> out = projector(2, 10, 0).project(days(2), HourlyRows.of(rows));

        long half = max / 2 + 1;   // floor((2^63 - 1 + 2) / 2) = 2^62
        assertThat(half).isEqualTo(1L << 62);
        assertThat(out).containsExactly(new ProjectProjection(1,
                new long[] {max - 1, half, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                new long[] {max, max, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    }

    @Test
    void rowsOutsideTheWindowAreIgnoredAndDuplicatesSummed() {
        Window w = days(1);
        List<HourlyTotal> rows = List.of(
                new HourlyTotal(1, w.start().minusSeconds(3_600), 999),   // the hour before: ignored
                new HourlyTotal(1, w.end(), 999),                         // end is exclusive: ignored
                new HourlyTotal(1, w.end().minusSeconds(3_600), 7),       // last hour: hour 23
                row(1, 0, 4, 4), row(1, 0, 4, 6),                          // same bucket twice: 4 + 6 = 10
                new HourlyTotal(1, DAY0.plusSeconds(1_800), 3),           // 00:30 counts toward hour 0
                new HourlyTotal(2, w.end().plusSeconds(86_400), 50));     // project 2 only outside: not listed

        List<ProjectProjection> out = projector(1, 2, 0).project(w, HourlyRows.of(rows));

        assertThat(out).containsExactly(new ProjectProjection(1,
                new long[] {3, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7},
                new long[] {6, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14}));
    }

    @Test
    void projectsComeOutInAscendingId() {
        List<HourlyTotal> rows = List.of(row(9, 0, 0, 1), row(2, 0, 0, 1), row(5, 0, 0, 1), row(Long.MAX_VALUE, 0, 0, 1));

        List<Long> ids = projector(1, 10, 100).project(days(1), HourlyRows.of(rows)).stream().map(ProjectProjection::projectId).toList();

        assertThat(ids).containsExactly(2L, 5L, 9L, Long.MAX_VALUE);
    }

    @Test
    void rowsOfProjectsInterleavedOrRepeatedLandInTheirOwnBuckets() {
        // Snuba groups rows by project, but nothing relies on it: alternate two projects and come back to the first.
        List<HourlyTotal> rows = List.of(row(1, 0, 0, 10), row(2, 0, 0, 5), row(1, 0, 0, 7), row(2, 0, 1, 3), row(1, 0, 1, 1));

        List<ProjectProjection> out = projector(1, 1, 0).project(days(1), HourlyRows.of(rows));

        long[] one = new long[24];
        one[0] = 17;   // 10 + 7 summed into one hour
        one[1] = 1;
        long[] two = new long[24];
        two[0] = 5;
        two[1] = 3;
        assertThat(out).containsExactly(new ProjectProjection(1, one, one), new ProjectProjection(2, two, two));
    }

    @Test
    void hourOfDayIsTheUtcHourEvenWhenTheWindowStartsMidDay() {
        Window w = new Window(Instant.parse("2026-11-26T12:00:00Z"), Instant.parse("2026-11-28T12:00:00Z"));
        List<HourlyTotal> rows = List.of(
                // 03:00 UTC on both days: 4 (27th, first day) and 6 (28th, second day) -> (4 + 6 + 1) / 2 = 5
                new HourlyTotal(1, Instant.parse("2026-11-27T03:00:00Z"), 4),
                new HourlyTotal(1, Instant.parse("2026-11-28T03:00:00Z"), 6),
                // 12:00 UTC on the first day only: 0, 8 -> (0 + 8 + 1) / 2 = 4
                new HourlyTotal(1, Instant.parse("2026-11-26T12:00:00Z"), 8));

        List<ProjectProjection> out = projector(2, 1, 0).project(w, HourlyRows.of(rows));

        long[] expected = {0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(out).containsExactly(new ProjectProjection(1, expected, expected));
    }

    @Test
    void refusesAWindowThatDoesNotMatchTheHistory() {
        assertThatThrownBy(() -> projector(7, 10, 100).project(days(6), HourlyRows.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spans PT144H but projection.history-days = 7 needs exactly PT168H");
        Window offHour = new Window(DAY0.plusSeconds(60), DAY0.plusSeconds(60 + 86_400));
        assertThatThrownBy(() -> projector(1, 10, 100).project(offHour, HourlyRows.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not on a whole UTC hour");
    }

    @Test
    void settingsNameTheOffendingKey() {
        assertThatThrownBy(() -> new ProjectionSettings(0, 10, 100)).hasMessageContaining("projection.history-days must be 1..366, got 0");
        assertThatThrownBy(() -> new ProjectionSettings(367, 10, 100)).hasMessageContaining("projection.history-days");
        assertThatThrownBy(() -> new ProjectionSettings(7, 0, 100)).hasMessageContaining("projection.multiplier must be >= 1, got 0");
        assertThatThrownBy(() -> new ProjectionSettings(7, 10, -1)).hasMessageContaining("projection.floor must be >= 0, got -1");
        assertThat(new ProjectionSettings(7, 1, 0)).isNotNull();
    }

    @Test
    void negativeTotalsAreRefusedAtTheBoundary() {
        assertThatThrownBy(() -> new HourlyTotal(1, DAY0, -1)).hasMessageContaining("must be >= 0");
    }
}
