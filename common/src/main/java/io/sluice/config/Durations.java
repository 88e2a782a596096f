package io.sluice.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations of the config file and the command line: one unit ({@code 250ms}, {@code 2s},
 * {@code 5m}, {@code 1h}, {@code 1d}), compound, largest unit first ({@code 1m30s}, {@code 1h30m},
 * {@code 2s500ms}), or ISO-8601 ({@code PT6H}, {@code PT1M30S}, {@code P1D}).
 */
public final class Durations {
    private static final String VALID = "valid examples: 250ms, 2s, 5m, 1h, 1d, 1m30s, PT6H, and 0 for none";
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern COMPOUND = Pattern.compile("(\\d+(ms|s|m|h|d))+");
    private static final String ORDER = "d h m s ms";
    /** The longest duration any key takes: beyond it (292 years) a duration no longer fits in nanoseconds. */
    public static final Duration MAX = Duration.ofDays(365);

    private Durations() {
    }

    public static Duration parse(String key, String text) {
        String t = text == null ? "" : text.trim().replace(" ", "");
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            return iso(key, text, t);
        }
        if (t.equals("0")) {
            return Duration.ZERO;   // zero needs no unit ("0 = no bound" for finish-within and the like)
        }
        if (!COMPOUND.matcher(t).matches()) {
            throw new ConfigException(key, key + ": '" + text + "' is not a duration; " + VALID);
        }
        Duration total = Duration.ZERO;
        int lastRank = -1;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            int rank = java.util.List.of(ORDER.split(" ")).indexOf(m.group(2));
            if (rank <= lastRank) {
                throw new ConfigException(key, key + ": '" + text + "' repeats a unit or puts a smaller one first; " + VALID);
            }
            lastRank = rank;
            try {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            } catch (NumberFormatException | ArithmeticException e) {
                throw tooLong(key, text);
            }
        }
        return bounded(key, text, total);
    }

    private static Duration bounded(String key, String text, Duration d) {
        if (d.compareTo(MAX) > 0) {
            throw tooLong(key, text);
        }
        if (d.getNano() % 1_000_000 != 0) {
            throw new ConfigException(key, key + ": '" + text + "' is finer than a millisecond; " + VALID);
        }
        return d;
    }

    private static ConfigException tooLong(String key, String text) {
        return new ConfigException(key, key + ": '" + text + "' is too long; valid: 0ms.." + format(MAX) + ", e.g. 250ms, 2s, 5m, 1h, 1d, 1m30s, PT6H");
    }

    private static Duration iso(String key, String text, String t) {
        try {
            Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
            if (d.isNegative()) {
                throw new ConfigException(key, key + ": '" + text + "' is negative; " + VALID);
            }
            return bounded(key, text, d);
        } catch (DateTimeParseException e) {
            if (e.getCause() instanceof ArithmeticException || e.getCause() instanceof NumberFormatException) {
                throw tooLong(key, text);   // digits that overflow a long
            }
            throw new ConfigException(key, key + ": '" + text + "' is not an ISO-8601 duration; " + VALID);
        }
    }

    /** The inverse of {@link #parse}, choosing the largest exact unit. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms > 0) return ms / 86_400_000 + "d";
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1_000 == 0 && ms > 0) return ms / 1_000 + "s";
        return ms + "ms";
    }
}
