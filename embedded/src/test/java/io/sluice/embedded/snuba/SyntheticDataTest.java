package io.sluice.embedded.snuba;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SyntheticDataTest {
    private static final Instant START = Instant.parse("2026-11-21T00:00:00Z");
    private static final Instant END = Instant.parse("2026-11-28T00:00:00Z");

    private final SyntheticData data = SyntheticData.withDefaultSeed();

    @Test
    void isAPureFunctionOfSeedOrgProjectAndHour() {
        SyntheticData same = SyntheticData.withSeed(SyntheticData.DEFAULT_SEED);
        SyntheticData other = SyntheticData.withSeed(7);
        for (long org = 1; org <= 50; org++) {
            assertThat(same.projects(org)).isEqualTo(data.projects(org));
            for (long project : data.projects(org)) {
                assertThat(same.hourly(org, project, START, END)).isEqualTo(data.hourly(org, project, START, END));
            }
        }
        assertThat(LongStream.rangeClosed(1, 50).filter(o -> !other.projects(o).equals(data.projects(o))).count())
                .isGreaterThan(25);
        assertThat(data.total(1, 2, START.plusSeconds(1800))).isEqualTo(data.total(1, 2, START));
    }

    @Test
    void givesOrgsNoneOneOrManySortedProjects() {
        Map<String, Long> shapes = LongStream.rangeClosed(1, 1_000).mapToObj(data::projects)
                .collect(Collectors.groupingBy(p -> p.isEmpty() ? "none" : p.size() == 1 ? "one" : "many",
                        Collectors.counting()));
        assertThat(shapes.get("none")).isBetween(50L, 150L);
        assertThat(shapes.get("one")).isBetween(180L, 320L);
        assertThat(shapes.get("many")).isBetween(550L, 750L);
        for (long org = 1; org <= 1_000; org++) {
            List<Long> projects = data.projects(org);
            assertThat(projects).hasSizeLessThanOrEqualTo(20).isSorted().doesNotHaveDuplicates().allMatch(p -> p > 0);
        }
    }

    @Test
    void missesAboutTwoPercentOfBucketsAndHasSpikesAndADailyShape() {
        long buckets = 0;
        long missing = 0;
        long spikes = 0;
        long[] byHour = new long[24];
        for (long org = 1; org <= 100; org++) {
            for (long project : data.projects(org)) {
                List<Long> series = data.hourly(org, project, START, END);
                assertThat(series).hasSize(168);
                long median = series.stream().filter(Objects::nonNull).sorted().skip(80).findFirst().orElse(0L);
                for (int i = 0; i < series.size(); i++) {
                    buckets++;
                    Long v = series.get(i);
                    if (v == null) {
                        missing++;
                        continue;
                    }
                    assertThat(v).isNotNegative();
                    byHour[i % 24] += v;
                    if (v > 4 * median) {
                        spikes++;
                    }
                }
            }
        }
        assertThat((double) missing / buckets).isBetween(0.01, 0.03);
        assertThat(spikes).isPositive();
        assertThat(byHour[15]).isGreaterThan(2 * byHour[3]);
        OptionalLong some = data.total(1, 1, START);
        assertThat(some).isEqualTo(data.total(1, 1, START.truncatedTo(ChronoUnit.HOURS)));
    }

    /** The data itself, pinned: any change to what a (seed, org, project, hour) gives changes this fingerprint. */
    @Test
    void theDataIsTheSameAsItWas() {
        long fingerprint = 17;
        int rows = 0;
        for (long seed : new long[] {SyntheticData.DEFAULT_SEED, 42}) {
            SyntheticData data = SyntheticData.withSeed(seed);
            for (long org = 1; org <= 60; org++) {
                for (long project : data.projects(org)) {
                    long firstHour = START.getEpochSecond() / 3_600;
                    for (long hour = firstHour; hour < firstHour + 168; hour++) {
                        long v = data.totalOrMissing(org, project, hour);
                        fingerprint = fingerprint * 31 + v;
                        rows += v == SyntheticData.MISSING ? 0 : 1;
                    }
                }
            }
        }
        assertThat(rows).isEqualTo(PINNED_ROWS);
        assertThat(fingerprint).isEqualTo(PINNED_FINGERPRINT);
    }

    private static final int PINNED_ROWS = 168_229;
    private static final long PINNED_FINGERPRINT = -8_942_585_465_208_354_362L;
}
