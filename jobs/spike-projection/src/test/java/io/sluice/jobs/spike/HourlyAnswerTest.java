package io.sluice.jobs.spike;

import io.sluice.job.BadAnswerException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming reader: what it accepts, and every way a 200 is refused (a BadAnswerException naming the row). */
class HourlyAnswerTest {
    private static final String T = "\"2026-11-21T00:00:00+00:00\"";
    private static final long T0 = Instant.parse("2026-11-21T00:00:00Z").getEpochSecond();

    private static String failure(String body) {
        try {
            HourlyRows r = HourlyAnswer.rows(body.getBytes(StandardCharsets.UTF_8));
            throw new AssertionError("accepted " + body + " as " + r);
        } catch (BadAnswerException e) {
            return e.getMessage();
        }
    }

    private static HourlyRows rows(String body) {
        try {
            return HourlyAnswer.rows(body.getBytes(StandardCharsets.UTF_8));
        } catch (BadAnswerException e) {
            throw new AssertionError(body + " refused: " + e.getMessage(), e);
        }
    }

    private static String row(String projectId, String time, String total) {
        return "{\"data\":[{\"project_id\":" + projectId + ",\"time\":" + time + ",\"total\":" + total + "}]}";
    }

    @Test
    void readsRowsInOrderWithMetaAnywhereAndUnknownFieldsOfAnyShapeIgnored() {
        HourlyRows r = rows("""
                {"meta":[{"name":"project_id","type":"UInt64"}],"timing":{"a":[1,{"b":null}]},
                 "data":[{"x":{"deep":[1,2,{"project_id":"no"}]},"project_id":5,"time":"2026-11-21T00:00:00+00:00","total":1234},
                         {"total":0,"time":"2026-11-21T01:00:00Z","project_id":5,"y":[true,false,null,1.5,"s"]},
                         {"project_id":9223372036854775807,"time":"2026-11-21T02:00:00","total":9223372036854775807},
                         {"project_id":6,"time":"2026-11-21T05:00:00.75+02:00","total":1}],
                 "trailing":"ignored"}""");
        assertThat(r.size()).isEqualTo(4);
        assertThat(r.toList()).containsExactly(
                new HourlyTotal(5, Instant.ofEpochSecond(T0), 1234),
                new HourlyTotal(5, Instant.ofEpochSecond(T0 + 3_600), 0),
                new HourlyTotal(Long.MAX_VALUE, Instant.ofEpochSecond(T0 + 7_200), Long.MAX_VALUE),
                new HourlyTotal(6, Instant.ofEpochSecond(T0 + 10_800), 1));
        assertThat(rows("{\"data\":[]}").size()).isZero();
        assertThat(rows("{\"data\":[]} trailing tokens are not read, as before").size()).isZero();
    }

    @Test
    void aRepeatedKeyCountsOnceTheLastOneAsInTheTree() {
        assertThat(rows("{\"data\":5,\"data\":[{\"project_id\":1,\"time\":" + T + ",\"total\":2}]}").toList())
                .containsExactly(new HourlyTotal(1, Instant.ofEpochSecond(T0), 2));
        assertThat(failure("{\"data\":[{\"project_id\":1,\"time\":" + T + ",\"total\":2}],\"data\":{}}")).contains("no 'data' array");
        assertThat(rows("{\"data\":[{\"project_id\":\"x\",\"project_id\":3,\"time\":" + T + ",\"total\":-1,\"total\":4}]}").toList())
                .containsExactly(new HourlyTotal(3, Instant.ofEpochSecond(T0), 4));
        assertThat(failure("{\"data\":[{\"project_id\":3,\"time\":" + T + ",\"total\":4,\"total\":4.0}]}")).contains("'total' is missing");
    }

    @Test
    void everyMalformedRowIsRefusedNamingTheRowAndTheField() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put(row("5", T, "1").replace("\"project_id\":5,", ""), "data[0]: 'project_id' is missing or not an integer (row {\"time\"");
        cases.put(row("\"5\"", T, "1"), "'project_id' is missing or not an integer (row {\"project_id\":\"5\"");
        cases.put(row("5.0", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("5e0", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("9223372036854775808", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("-9223372036854775809", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("null", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("[5]", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("{\"v\":5}", T, "1"), "'project_id' is missing or not an integer");
        cases.put(row("5", T, "1").replace(",\"time\":" + T, ""), "'time' is missing or not a string (row {\"project_id\":5,\"total\":1})");
        cases.put(row("5", "1764288000", "1"), "'time' is missing or not a string");
        cases.put(row("5", "null", "1"), "'time' is missing or not a string");
        cases.put(row("5", "[" + T + "]", "1"), "'time' is missing or not a string");
        cases.put(row("5", "\"yesterday\"", "1"), "'time' = 'yesterday' is not an ISO date-time");
        cases.put(row("5", "\"2026-02-30T00:00:00+00:00\"", "1"), "'time' = '2026-02-30T00:00:00+00:00' is not an ISO date-time");
        cases.put(row("5", "\"2026-11-21T24:00:00Z\"", "1"), "is not an ISO date-time");
        cases.put(row("5", T, "1").replace(",\"total\":1", ""), "'total' is missing or not an integer (row {\"project_id\":5,\"time\":");
        cases.put(row("5", T, "1.5"), "'total' is missing or not an integer");
        cases.put(row("5", T, "1.0"), "'total' is missing or not an integer");
        cases.put(row("5", T, "\"1\""), "'total' is missing or not an integer");
        cases.put(row("5", T, "true"), "'total' is missing or not an integer");
        cases.put(row("5", T, "18446744073709551615"), "'total' is missing or not an integer");
        cases.put(row("5", T, "-3"), "data[0]: total for project 5 at 2026-11-21T00:00:00Z is -3; totals are sums of quantities and must be >= 0");
        cases.put("{\"data\":[5]}", "data[0]: 'project_id' is missing or not an integer (row 5)");
        cases.put("{\"data\":[null]}", "data[0]: 'project_id' is missing or not an integer (row null)");
        cases.put("{\"data\":[[1,2]]}", "data[0]: 'project_id' is missing or not an integer (row [1,2])");
        cases.forEach((body, expected) -> assertThat(failure(body)).as(body).contains(expected));
    }

    @Test
    void theFirstBadRowIsNamedAndAnswersWithoutDataOrWithoutJsonAreRefused() {
        String good = "{\"project_id\":1,\"time\":" + T + ",\"total\":2}";
        assertThat(failure("{\"data\":[" + good + "," + good + ",{\"project_id\":1,\"time\":" + T + "},{}]}"))
                .contains("data[2]: 'total' is missing");
        for (String body : List.of("", "   ", "{}", "{\"meta\":[]}", "{\"data\":null}", "{\"data\":{}}", "{\"data\":\"[]\"}",
                "[]", "[{\"data\":[]}]", "5", "\"data\"", "{\"x\":{\"data\":[]}}")) {
            assertThat(failure(body)).as(body).contains("no 'data' array in ");
        }
        assertThat(failure("")).endsWith("no 'data' array in (empty body)");
        for (String body : List.of("<html>gateway</html>", "{\"data\":[" + good, "{\"data\":[" + good + "]",
                "{\"data\":[" + good + ",]}", "{\"data\":[" + good + "],\"meta\":[}", "{\"data\":[{\"project_id\":1,\"time\":" + T + "}],\"meta\":",
                "{\"data\":[{\"project_id\":-,\"time\":" + T + ",\"total\":1}]}", "{data:[]}")) {
            assertThat(failure(body)).as(body).contains("not JSON: ");   // a syntax error anywhere wins, as with the tree
        }
        assertThat(failure("{\"x\":\"" + "y".repeat(1_000) + "\"")).endsWith("...");
    }

    @Test
    void builtRowsAreImmutableAndANegativeTotalIsRefusedByTheBuilderToo() {
        HourlyRows.Builder b = HourlyRows.builder(1).add(1, T0, 2).add(1, T0 + 3_600, 3);   // grows past its capacity
        HourlyRows r = b.build();
        assertThat(r).isEqualTo(HourlyRows.of(r.toList())).hasSameHashCodeAs(HourlyRows.of(r.toList()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.add(1, T0, 1)).isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HourlyRows.builder(4).add(7, T0, -1))
                .hasMessageContaining("total for project 7 at 2026-11-21T00:00:00Z is -1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.total(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
