package io.sluice.embedded.snuba;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written answer against the maps-and-Jackson answer the simulator used to build, kept here as the reference. */
class SnqlAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'+00:00'")
            .withZone(ZoneOffset.UTC);

    /** The former SnqlHandler.rows, verbatim but for the map literal order, which was Map.of's (unspecified) before. */
    static byte[] referenceBody(SyntheticData data, SnqlQuery query) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        long bucketHours = query.granularity().toHours();
        for (long project : data.projects(query.orgId())) {
            for (Instant bucket = query.start(); bucket.isBefore(query.end());
                 bucket = bucket.plus(bucketHours, ChronoUnit.HOURS)) {
                long sum = 0;
                boolean any = false;
                for (int h = 0; h < bucketHours; h++) {
                    Instant hour = bucket.plus(h, ChronoUnit.HOURS);
                    if (!hour.isBefore(query.end())) {
                        break;
                    }
                    OptionalLong v = data.total(query.orgId(), project, hour);
                    if (v.isPresent()) {
                        sum += v.getAsLong();
                        any = true;
                    }
                }
                if (any) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("project_id", project);
                    row.put("time", TIME.format(bucket));
                    row.put("total", sum);
                    rows.add(row);
                }
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", rows);
        body.put("meta", List.of(meta("project_id", "UInt64"), meta("time", "DateTime"), meta("total", "UInt64")));
        return JSON.writeValueAsBytes(body);
    }

    private static Map<String, String> meta(String name, String type) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("type", type);
        return m;
    }

    private static SnqlQuery query(long org, String start, String end, long granularitySeconds) {
        return SnqlQuery.parse("MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time WHERE org_id = " + org
                + " AND timestamp >= toDateTime('" + start + "') AND timestamp < toDateTime('" + end + "')"
                + " AND outcome = 0 GRANULARITY " + granularitySeconds);
    }

    @Test
    void theContractWeekIsByteForByteTheFormerAnswerForManyOrgsAndSeeds() throws Exception {
        for (long seed : new long[] {SyntheticData.DEFAULT_SEED, 42, 7}) {
            SyntheticData data = SyntheticData.withSeed(seed);
            for (long org = 1; org <= 60; org++) {
                SnqlQuery q = query(org, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600);
                assertThat(new String(SnqlAnswers.write(data, q).toArray())).as("seed %d org %d", seed, org)
                        .isEqualTo(new String(referenceBody(data, q)));
            }
        }
    }

    @Test
    void oddWindowsAndGranularitiesMatchToo() throws Exception {
        SyntheticData data = SyntheticData.withDefaultSeed();
        SplittableRandom r = new SplittableRandom(3);
        List<String[]> windows = List.of(
                new String[] {"2026-11-21T00:30:00", "2026-11-23T07:15:00"},      // not on the hour
                new String[] {"2026-11-21T00:00:00.250", "2026-11-22T00:00:00.250"},   // fractions of a second
                new String[] {"2026-11-21T00:00:00.500", "2026-11-22T00:00:00.250"},
                new String[] {"1969-12-30T20:00:00", "1970-01-02T03:00:00"},      // before the epoch
                new String[] {"0999-12-31T00:00:00", "1000-01-02T00:00:00"},      // years yyyy writes its own way
                new String[] {"2024-02-27T00:00:00", "2024-03-02T00:00:00+02:00"},
                new String[] {"9999-12-30T00:00:00", "9999-12-31T23:00:00"});
        for (String[] w : windows) {
            for (long g : new long[] {3600, 7200, 3 * 3600, 86_400}) {
                long org = 1 + r.nextInt(500);
                SnqlQuery q = query(org, w[0], w[1], g);
                assertThat(new String(SnqlAnswers.write(data, q).toArray())).as("%s..%s by %d, org %d", w[0], w[1], g, org)
                        .isEqualTo(new String(referenceBody(data, q)));
            }
        }
    }

    @Test
    void thePrimitiveTotalIsTheOptionalOne() {
        SyntheticData data = SyntheticData.withSeed(11);
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 50_000; i++) {
            long org = r.nextLong(1, 1_000_000);
            long project = r.nextLong(1, 10_000_000);
            Instant at = Instant.ofEpochSecond(r.nextLong(-5_000_000_000L, 5_000_000_000L), r.nextInt(1_000_000_000));
            OptionalLong v = data.total(org, project, at);
            long p = data.totalOrMissing(org, project, Math.floorDiv(at.getEpochSecond(), 3600));
            assertThat(p).isEqualTo(v.isPresent() ? v.getAsLong() : SyntheticData.MISSING);
        }
    }

    @Test
    void repeatedQueriesAreServedFromABoundedCache() {
        SyntheticData data = SyntheticData.withDefaultSeed();
        SnqlAnswers answers = new SnqlAnswers(data, 3, 1L << 20);
        SnqlQuery one = query(11, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600);
        SnqlAnswers.Body asked = answers.body(one);
        assertThat(answers.cachedEntries()).isZero();   // asked once: sent, not kept
        SnqlAnswers.Body first = answers.body(one);
        assertThat(first.toArray()).isEqualTo(asked.toArray());
        assertThat(answers.cachedEntries()).isOne();
        assertThat(answers.body(one)).isSameAs(first);
        assertThat(answers.body(query(11, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 7200)).toArray())
                .isNotEqualTo(first.toArray());
        for (long org = 20; org < 40; org++) {
            answers.body(query(org, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600));
            answers.body(query(org, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600));
        }
        assertThat(answers.cachedEntries()).isEqualTo(3);
        answers.body(one);
        SnqlAnswers.Body again = answers.body(one);
        assertThat(again).isNotSameAs(first);
        assertThat(again.toArray()).isEqualTo(first.toArray());   // evicted, computed again, same bytes

        SnqlAnswers small = new SnqlAnswers(data, 1_000, 150_000);
        for (long org = 1; org < 40; org++) {
            small.body(query(org, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600));
            small.body(query(org, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600));
            assertThat(small.cachedBytes()).isLessThanOrEqualTo(150_000);
        }
        assertThat(small.cachedEntries()).isPositive();
    }

    @Test
    void queriesAskedOnceAreNotKept() {
        SnqlAnswers answers = new SnqlAnswers(SyntheticData.withDefaultSeed(), 16, 1L << 30);
        for (long org = 1; org <= 1_000; org++) {
            SnqlQuery q = query(org, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600);
            assertThat(answers.body(q).toArray()).isEqualTo(SnqlAnswers.write(SyntheticData.withDefaultSeed(), q).toArray());
        }
        assertThat(answers.cachedEntries()).isZero();
        assertThat(answers.cachedBytes()).isZero();
        SnqlQuery retried = query(500, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600);   // remembered among 128 keys?
        answers.body(retried);
        assertThat(answers.cachedEntries()).as("org 500 was asked 500 queries ago; 128 keys are remembered").isZero();
        SnqlQuery recent = query(999, "2026-11-21T00:00:00", "2026-11-28T00:00:00", 3600);
        answers.body(recent);
        assertThat(answers.cachedEntries()).isOne();
    }
}
