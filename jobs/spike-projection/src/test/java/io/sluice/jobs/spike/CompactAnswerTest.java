package io.sluice.jobs.spike;

import io.sluice.job.BadAnswerException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte-by-byte fast path against Jackson's streaming path: it takes Snuba's exact form, and for any other body
 * (hand-picked near misses and thousands of random mutations of a real answer) the outcome of {@link HourlyAnswer#rows}
 * (rows, or the refusal and its message) is what the streaming path alone gives.
 */
class CompactAnswerTest {
    private static final long T0 = Instant.parse("2026-11-21T00:00:00Z").getEpochSecond();
    private static final String STATS = ",\"meta\":[{\"name\":\"project_id\",\"type\":\"UInt64\"},{\"name\":\"time\",\"type\":"
            + "\"DateTime\"},{\"name\":\"total\",\"type\":\"UInt64\"}],\"stats\":{\"quota_allowance\":{\"details\":"
            + "{\"ConcurrentRateLimitAllocationPolicy\":{\"rejection_threshold\":50,\"quota_used\":7,\"suggestion\":\"\"}}}}}";

    /** An answer as Snuba (and the simulator) writes it: {@code projects} projects, {@code hours} hours each. */
    private static String snubaAnswer(int projects, int hours, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("{\"data\":[");
        for (int p = 0; p < projects; p++) {
            long project = 1 + r.nextLong(9_999_999L);
            for (int h = 0; h < hours; h++) {
                if (s.length() > 9) {
                    s.append(',');
                }
                Instant t = Instant.ofEpochSecond(T0 + h * 3_600L);
                s.append("{\"project_id\":").append(project).append(",\"time\":\"")
                        .append(t.toString(), 0, 19).append("+00:00\",\"total\":").append(r.nextLong(100_000)).append('}');
            }
        }
        return s.append(']').append(STATS).toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The outcome as text: the rows, or the refusal's message. */
    private static String outcome(Reader reader, byte[] body) {
        try {
            HourlyRows rows = reader.read(body);
            return "rows " + rows.toList();
        } catch (BadAnswerException e) {
            return "refused " + e.getMessage();
        }
    }

    private interface Reader {
        HourlyRows read(byte[] body) throws BadAnswerException;
    }

    private static void sameAsStreamed(byte[] body) {
        assertThat(outcome(HourlyAnswer::rows, body)).as(new String(body, StandardCharsets.UTF_8))
                .isEqualTo(outcome(HourlyAnswer::streamedRows, body));
    }

    @Test
    void snubasOwnFormIsReadWithoutTheTokenizerAndGivesTheSameRows() throws Exception {
        for (String body : List.of(snubaAnswer(10, 168, 1), snubaAnswer(1, 1, 2), "{\"data\":[]}",
                "{\"data\":[]" + STATS, snubaAnswer(3, 5, 3).replace("+00:00\"", "Z\""))) {
            HourlyRows compact = CompactAnswer.rows(bytes(body));
            assertThat(compact).as(body).isNotNull();
            assertThat(compact).isEqualTo(HourlyAnswer.streamedRows(bytes(body)));
        }
        HourlyRows r = CompactAnswer.rows(bytes("{\"data\":[{\"project_id\":0,\"time\":\"2026-11-21T01:00:00+00:00\","
                + "\"total\":999999999999999999}]}"));
        assertThat(r.toList()).containsExactly(new HourlyTotal(0, Instant.ofEpochSecond(T0 + 3_600), 999_999_999_999_999_999L));
    }

    @Test
    void nearMissesAreLeftToJacksonAndEndTheSameWay() {
        String row = "{\"project_id\":5,\"time\":\"2026-11-21T00:00:00+00:00\",\"total\":7}";
        List<String> bodies = List.of(
                "{ \"data\":[" + row + "]}",                                   // whitespace
                "{\"data\":[" + row.replace("5,", "05,") + "]}",               // leading zero: not JSON
                "{\"data\":[" + row.replace(":7}", ":-7}") + "]}",             // negative total: refused
                "{\"data\":[" + row.replace(":7}", ":7.0}") + "]}",            // a fraction: refused
                "{\"data\":[" + row.replace(":7}", ":7e2}") + "]}",
                "{\"data\":[" + row.replace(":5,", ":1234567890123456789,") + "]}",      // 19 digits, still a long
                "{\"data\":[" + row.replace(":5,", ":92233720368547758070,") + "]}",     // beyond long: refused
                "{\"data\":[" + row.replace("+00:00", "+01:00") + "]}",        // another offset: ISO parser
                "{\"data\":[" + row.replace("+00:00", ".5Z") + "]}",
                "{\"data\":[" + row.replace("2026-11-21T00", "2026-11-31T00") + "]}",    // no such day: refused
                "{\"data\":[" + row.replace("2026", "2\\u0030\\u00326") + "]}",  // escapes
                "{\"data\":[" + row.replace("\"total\":7", "\"total\":7,\"x\":1") + "]}",   // another key
                "{\"data\":[" + row + "],\"data\":[]}",                          // the last data wins
                "{\"data\":[" + row + "],\"data\":5}",
                "{\"data\":[" + row + "],\"meta\":[}",                           // broken after the rows
                "{\"data\":[" + row + "]",                                       // unclosed
                "{\"data\":[" + row + "]} trailing, not read",
                "{\"data\":[" + row + "," + "]}",
                "{\"data\":[" + row + " ]}",
                "{\"data\":[" + row.replace("\"total\"", "\"totals\"") + "]}",
                "{\"data\":[" + row + "," + row.replace("T00:00:00", "T24:00:00") + "]}",   // same day, no such hour
                "{\"data\":[" + row + "," + row.replace("T00:00:00", "T01:60:00") + "]}",
                "{\"data\":[" + row + "," + row.replace("T00:00:00", "T01:00:0x") + "]}",
                "{\"data\":[" + row + "," + row.replace("00+00:00", "00+00:01") + "]}",
                "{\"data\":[" + row + "," + row.replace("00+00:00", "00Z") + "]}",
                "{\"data\":[" + row + "," + row.replace("T00:00:00", "T23:59:59") + "]}");
        for (String body : bodies) {
            sameAsStreamed(bytes(body));
        }
        assertThat(CompactAnswer.rows(bytes("{\"data\":[" + row + "],\"data\":[]}"))).isNull();
        assertThat(CompactAnswer.rows(bytes("{\"data\":[" + row + "],\"meta\":[}"))).isNull();
    }

    @Test
    void randomMutationsOfARealAnswerEndAsTheStreamingPathEndsThem() {
        byte[] real = bytes(snubaAnswer(2, 4, 7));
        byte[] alphabet = bytes("{}[]\",:-+.0159eEZT \\\u00e9x");
        SplittableRandom r = new SplittableRandom(14);
        int compact = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] body = real.clone();
            for (int edits = 1 + r.nextInt(2); edits > 0; edits--) {
                body = mutate(body, r, alphabet);
            }
            String expected = outcome(HourlyAnswer::streamedRows, body);
            String actual = outcome(HourlyAnswer::rows, body);
            if (!expected.equals(actual) && failures.size() < 5) {
                failures.add(new String(body, StandardCharsets.UTF_8) + "\n  streamed: " + expected + "\n  rows: " + actual);
            }
            compact += CompactAnswer.rows(body) != null ? 1 : 0;
        }
        assertThat(failures).isEmpty();
        assertThat(compact).as("mutations the fast path still took (digits changed, say)").isGreaterThan(500);
    }

    private static byte[] mutate(byte[] b, SplittableRandom r, byte[] alphabet) {
        int at = r.nextInt(b.length);
        byte c = alphabet[r.nextInt(alphabet.length)];
        return switch (r.nextInt(3)) {
            case 0 -> {   // replace
                byte[] out = b.clone();
                out[at] = c;
                yield out;
            }
            case 1 -> {   // insert
                byte[] out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = c;
                System.arraycopy(b, at, out, at + 1, b.length - at);
                yield out;
            }
            default -> {  // delete
                byte[] out = new byte[b.length - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, b.length - at - 1);
                yield out;
            }
        };
    }
}
