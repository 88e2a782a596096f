package io.sluice.embedded.snuba;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a SnQL query the simulator acts on: the org, the time window and the
 * granularity. Everything else in the text is accepted as is.
 */
public record SnqlQuery(long orgId, Instant start, Instant end, Duration granularity) {
    /** Longer windows are refused, as a real deployment would time them out. */
    public static final Duration MAX_WINDOW = Duration.ofDays(92);

    private static final Pattern ORG = Pattern.compile("\\borg_id\\s*=\\s*(\\d+)");
    private static final Pattern FROM = Pattern.compile("\\btimestamp\\s*>=\\s*toDateTime\\(\\s*'([^']+)'\\s*\\)");
    private static final Pattern TO = Pattern.compile("\\btimestamp\\s*<\\s*toDateTime\\(\\s*'([^']+)'\\s*\\)");
    private static final Pattern GRANULARITY = Pattern.compile("\\bGRANULARITY\\s+(\\d+)", Pattern.CASE_INSENSITIVE);

    /** Parses {@code snql}; throws {@link InvalidQueryException} naming what is missing or wrong. */
    public static SnqlQuery parse(String snql) {
        if (snql == null || snql.isBlank()) {
            throw new InvalidQueryException("query is missing or empty");
        }
        long org = Long.parseLong(find(ORG, snql, "org_id = N condition"));
        Instant start = dateTime(find(FROM, snql, "timestamp >= toDateTime('...') condition"));
        Instant end = dateTime(find(TO, snql, "timestamp < toDateTime('...') condition"));
        Matcher g = GRANULARITY.matcher(snql);
        long seconds = g.find() ? Long.parseLong(g.group(1)) : 3600;
        if (seconds <= 0 || seconds % 3600 != 0) {
            throw new InvalidQueryException("GRANULARITY " + seconds + " is not supported; valid: a multiple of 3600");
        }
        if (!start.isBefore(end)) {
            throw new InvalidQueryException("window " + start + " .. " + end + " is empty; the start must be before the end");
        }
        if (Duration.between(start, end).compareTo(MAX_WINDOW) > 0) {
            throw new InvalidQueryException("window " + start + " .. " + end + " is longer than " + MAX_WINDOW.toDays() + " days");
        }
        return new SnqlQuery(org, start, end, Duration.ofSeconds(seconds));
    }

    private static String find(Pattern pattern, String snql, String what) {
        Matcher m = pattern.matcher(snql);
        if (!m.find()) {
            throw new InvalidQueryException("query has no " + what);
        }
        return m.group(1);
    }

    private static Instant dateTime(String text) {
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e2) {
                throw new InvalidQueryException("toDateTime('" + text + "') is not a date-time; valid: 2026-11-21T00:00:00");
            }
        }
    }

    /** A query the simulator answers with 400 {@code invalid_query}. */
    public static final class InvalidQueryException extends RuntimeException {
        public InvalidQueryException(String message) {
            super(message);
        }
    }
}
