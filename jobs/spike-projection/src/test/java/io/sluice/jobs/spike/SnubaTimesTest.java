package io.sluice.jobs.spike;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The arithmetic path must agree with the ISO parser wherever it answers, and step aside everywhere else. */
class SnubaTimesTest {

    private static long slow(String s) {
        return SnubaTimes.parseTime(s).getEpochSecond();
    }

    private static long fast(String s) {
        char[] c = ("##" + s + "##").toCharArray();   // an offset and trailing characters, as in a parser's buffer
        return SnubaTimes.fastEpochSecond(c, 2, s.length());
    }

    private static String stamp(SplittableRandom r) {
        int year = r.nextInt(10) == 0 ? r.nextInt(10_000) : 1960 + r.nextInt(120);
        return String.format("%04d-%02d-%02dT%02d:%02d:%02d", year, 1 + r.nextInt(12), 1 + r.nextInt(31),
                r.nextInt(24), r.nextInt(60), r.nextInt(60));
    }

    @Test
    void snubasThreeUtcSpellingsTakeTheFastPathAndEqualTheIsoParser() {
        SplittableRandom r = new SplittableRandom(14);
        int fastCount = 0;
        for (int i = 0; i < 40_000; i++) {
            String base = stamp(r);
            for (String s : List.of(base + "+00:00", base + "Z", base)) {
                long f = fast(s);
                Long expected;
                try {
                    expected = slow(s);
                } catch (DateTimeParseException e) {
                    expected = null;   // e.g. 2023-02-30 or 2026-04-31: the fast path must not invent an answer
                }
                long want = expected == null ? SnubaTimes.NOT_FAST : expected;
                if (f != want || (expected != null && SnubaTimes.epochSecond(s) != want)) {
                    assertThat(f).as(s).isEqualTo(want);
                    assertThat(SnubaTimes.epochSecond(s)).as(s).isEqualTo(want);
                }
                fastCount += expected == null ? 0 : 1;
            }
        }
        assertThat(fastCount).isGreaterThan(100_000);
    }

    @Test
    void everyHourOfTheSimulatorsYearsIsExact() {
        long from = Instant.parse("1999-12-25T00:00:00Z").getEpochSecond();
        long to = Instant.parse("2101-01-05T00:00:00Z").getEpochSecond();
        for (long t = from; t < to; t += 3_600) {
            String s = Instant.ofEpochSecond(t).atOffset(ZoneOffset.UTC).toLocalDateTime() + ":00+00:00";   // HH:mm + :ss
            if (fast(s) != t) {   // a plain check: AssertJ per hour would make this test slow
                assertThat(fast(s)).as(s).isEqualTo(t);
            }
        }
        assertThat(fast("2000-02-29T00:00:00Z")).isEqualTo(Instant.parse("2000-02-29T00:00:00Z").getEpochSecond());
        assertThat(fast("0000-01-01T00:00:00Z")).isEqualTo(slow("0000-01-01T00:00:00Z"));
        assertThat(fast("9999-12-31T23:59:59Z")).isEqualTo(slow("9999-12-31T23:59:59Z"));
    }

    @Test
    void otherOffsetsAndShapesFallBackToTheIsoParser() {
        SplittableRandom r = new SplittableRandom(15);
        for (int i = 0; i < 20_000; i++) {
            String base = stamp(r).replaceFirst("-(0[1-9]|1[0-2])-(2[89]|3[01])T", "-$1-28T");   // always a real date
            int minutes = (r.nextInt(37) - 18) * 30;
            String offset = String.format("%s%02d:%02d", minutes < 0 ? "-" : "+", Math.abs(minutes) / 60, Math.abs(minutes) % 60);
            for (String s : List.of(base + offset, base + ".5Z", base + ".123456789+00:00", base.replace('T', 't') + "z",
                    base.substring(0, 16) + "Z", base + "Z[UTC]", base + "-00:00")) {
                if (!s.endsWith("+00:00") || s.contains(".")) {
                    assertThat(fast(s)).as(s).isEqualTo(SnubaTimes.NOT_FAST);
                }
                assertThat(SnubaTimes.epochSecond(s)).as(s).isEqualTo(slow(s));
            }
        }
        assertThat(SnubaTimes.epochSecond("2026-11-21T05:00:00+02:00")).isEqualTo(Instant.parse("2026-11-21T03:00:00Z").getEpochSecond());
        assertThat(SnubaTimes.epochSecond("1969-12-31T23:59:59.5Z")).isEqualTo(-1);   // floored, as Instant does
    }

    @Test
    void whatTheIsoParserRefusesIsRefusedAndNothingElse() {
        for (String s : List.of("", "yesterday", "2026-11-21", "2026-11-21T24:00:00Z", "2026-11-21T23:60:00Z",
                "2026-11-21T23:59:60Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z",
                "2026-02-29T00:00:00Z", "2100-02-29T00:00:00+00:00", "2026-11-21 00:00:00",
                "2026-11-21T00:00:00+00:0", "2026-1a-21T00:00:00Z", "２０２６-11-21T00:00:00Z",
                "2026-11-21T00:00:00+00:00 ", " 2026-11-21T00:00:00Z")) {
            assertThat(fast(s)).as(s).isEqualTo(SnubaTimes.NOT_FAST);
            assertThatThrownBy(() -> slow(s)).as(s).isInstanceOf(DateTimeParseException.class);
            assertThatThrownBy(() -> SnubaTimes.epochSecond(s)).as(s).isInstanceOf(DateTimeParseException.class);
        }
    }
}
