package io.sluice.job;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a job may read of the configuration: its own section {@code jobs.<name>.*} (keys without the prefix),
 * and the engine's keys a query needs, by their full names ({@code snuba.dataset}, {@code snuba.referrer},
 * {@code kafka.topics.results}), and the spike-projection job's {@code projection.*} keys, which keep the names
 * they had before jobs were plug-ins. Values are strings as given; the typed getters say which key is wrong and
 * what is valid.
 */
public final class JobSettings {
    private final String job;
    private final Map<String, String> values;

    public JobSettings(String job, Map<String, String> values) {
        this.job = job;
        this.values = Map.copyOf(values);
    }

    /** Every value, sorted by key. */
    public Map<String, String> all() {
        return new TreeMap<>(values);
    }

    public String text(String key, String fallback) {
        String v = values.get(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public long longIn(String key, long fallback, long min, long max) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            long x = Long.parseLong(v.trim());
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name(key) + " must be an integer in " + min + ".." + max + ", got '" + v + "'");
    }

    public double doubleIn(String key, double fallback, double min, double max) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            double x = Double.parseDouble(v.trim());
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name(key) + " must be a number in " + min + ".." + max + ", got '" + v + "'");
    }

    /** The key as a user writes it: the job's own keys with their {@code jobs.<name>.} prefix. */
    public String name(String key) {
        return key.contains(".") ? key : "jobs." + job + "." + key;
    }
}
