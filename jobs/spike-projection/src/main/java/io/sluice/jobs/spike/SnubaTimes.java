package io.sluice.jobs.spike;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;

/**
 * Reads the {@code time} of Snuba's rows. Snuba writes {@code yyyy-MM-ddTHH:mm:ss+00:00}; that form, and the same
 * with {@code Z} or with no offset at all, is read by plain arithmetic on the characters. Anything else (another
 * offset, fractions of a second, lower case, a region id, a malformed or out-of-range field) goes to
 * {@link #parseTime(String)}, the ISO parser that was the only path before, so what is accepted, what is refused
 * and the instant produced are unchanged. The fast path only takes what that parser would also take.
 */
final class SnubaTimes {
    /** {@link #fastEpochSecond} could not read the text; ask {@link #parseTime(String)}. */
    static final long NOT_FAST = Long.MIN_VALUE;

    private static final int BASE = 19;                 // yyyy-MM-ddTHH:mm:ss
    private static final int DAYS_0000_TO_1970 = 719_468;

    private SnubaTimes() {
    }

    /** Snuba writes {@code +00:00}; a {@code Z} or no offset at all is read as UTC too. Any ISO offset is honoured. */
    static Instant parseTime(String s) {
        TemporalAccessor t = DateTimeFormatter.ISO_DATE_TIME.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
        return t instanceof OffsetDateTime o ? o.toInstant() : ((LocalDateTime) t).toInstant(ZoneOffset.UTC);
    }

    /**
     * The epoch second of {@code s[off, off + len)}, floored to whole seconds as {@link Instant#getEpochSecond()} is.
     *
     * @throws DateTimeParseException when the text is not an ISO date-time
     */
    static long epochSecond(char[] s, int off, int len) {
        long fast = fastEpochSecond(s, off, len);
        return fast != NOT_FAST ? fast : parseTime(new String(s, off, len)).getEpochSecond();
    }

    static long epochSecond(String s) {
        char[] chars = s.toCharArray();
        return epochSecond(chars, 0, chars.length);
    }

    /** The epoch second of Snuba's exact UTC forms, or {@link #NOT_FAST} for any other text. */
    static long fastEpochSecond(char[] s, int off, int len) {
        if (len != BASE && !(len == BASE + 1 && s[off + BASE] == 'Z') && !(len == BASE + 6 && utcOffset(s, off + BASE))) {
            return NOT_FAST;
        }
        if (s[off + 4] != '-' || s[off + 7] != '-' || s[off + 10] != 'T' || s[off + 13] != ':' || s[off + 16] != ':') {
            return NOT_FAST;
        }
        int year = digits(s, off, 4);
        int month = digits(s, off + 5, 2);
        int day = digits(s, off + 8, 2);
        int hour = digits(s, off + 11, 2);
        int minute = digits(s, off + 14, 2);
        int second = digits(s, off + 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > monthLength(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return NOT_FAST;
        }
        return epochDay(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second;
    }

    private static boolean utcOffset(char[] s, int at) {
        return s[at] == '+' && s[at + 1] == '0' && s[at + 2] == '0' && s[at + 3] == ':' && s[at + 4] == '0' && s[at + 5] == '0';
    }

    /** The value of {@code n} ASCII digits, or -1 if any is not a digit. */
    private static int digits(char[] s, int at, int n) {
        int v = 0;
        for (int i = at; i < at + n; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int monthLength(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date with a non-negative year (the civil-from-days inverse). */
    static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;                                   // 0..399
        int shiftedMonth = (month + 9) % 12;                             // March = 0
        long dayOfYear = (153L * shiftedMonth + 2) / 5 + day - 1;        // 0..365
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - DAYS_0000_TO_1970;
    }
}
