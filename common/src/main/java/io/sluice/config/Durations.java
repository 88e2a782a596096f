package io.sluice.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human durations of the config file: {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 1d}. */
public final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String key, String text) {
        Matcher m = P.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new ConfigException(key, key + ": '" + text + "' is not a duration; valid examples: 250ms, 2s, 5m, 1h, 1d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
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
