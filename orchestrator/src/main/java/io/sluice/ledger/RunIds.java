package io.sluice.ledger;

import io.sluice.config.ConfigException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** Run ids: given with {@code --run-id}, or derived from the start time as {@code r-yyyyMMdd'T'HHmm'Z'}. */
public final class RunIds {
    public static final String FLAG = "--run-id";
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("'r-'yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private RunIds() {
    }

    public static String fromStart(Instant start) {
        return FORMAT.format(start);
    }

    /** The given id, checked (it becomes part of Kafka keys and Redis keys), or one derived from {@code start}. */
    public static String resolve(String given, Instant start) {
        if (given == null) {
            return fromStart(start);
        }
        if (!VALID.matcher(given).matches()) {
            throw new ConfigException(FLAG, FLAG + ": '" + given + "' is not a valid run id; valid: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit, e.g. r-20261128T1200Z");
        }
        return given;
    }
}
