package io.sluice.bench;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Redis' own count of commands run, including those inside Lua scripts ({@code INFO commandstats}),
 * over a {@link RespConnection}. Besides each command's calls, {@code evalsha.usec} carries the
 * microseconds Redis spent in scripts (the script-time floor of a hand-off); {@link #total} leaves it out.
 */
final class CommandStats implements AutoCloseable {
    static final String SCRIPT_USEC = "evalsha.usec";
    private final RespConnection redis;

    CommandStats(String uri) throws IOException {
        redis = new RespConnection(uri);
    }

    /** Calls per command since the server started (or CONFIG RESETSTAT), and {@value #SCRIPT_USEC}. */
    Map<String, Long> snapshot() {
        try {
            return parse((String) redis.call("INFO", "commandstats"));
        } catch (IOException e) {
            throw new IllegalStateException("INFO commandstats failed", e);
        }
    }

    /** The {@code calls=} of every {@code cmdstat_<name>:} line of an INFO reply, and EVALSHA's {@code usec=}. */
    static Map<String, Long> parse(String info) {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : info.split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            calls.put(name, field(line, "calls="));
            if (name.equals("evalsha")) {
                calls.put(SCRIPT_USEC, field(line, "usec="));
            }
        }
        return calls;
    }

    private static long field(String line, String key) {
        int at = line.indexOf(key, line.indexOf(':')) + key.length();
        int end = line.indexOf(',', at);
        return Long.parseLong(line.substring(at, end < 0 ? line.length() : end));
    }

    /**
     * Commands run between two snapshots taken one after the other on this connection: the
     * earlier snapshot's own INFO is counted in {@code after} (a command is counted once it has
     * run), so one {@code info} is taken off.
     */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L) - (k.equals("info") ? 1 : 0);
            if (n > 0) {
                d.put(k, n);
            }
        });
        return d;
    }

    /** A delta less commands someone else (the floor probe) is known to have run meanwhile. */
    static Map<String, Long> without(Map<String, Long> delta, Map<String, Long> others) {
        Map<String, Long> d = new TreeMap<>(delta);
        others.forEach((k, v) -> d.computeIfPresent(k, (key, n) -> n - v > 0 ? n - v : null));
        return d;
    }

    /** Commands in a delta (script microseconds left out). */
    static long total(Map<String, Long> delta) {
        return delta.entrySet().stream().filter(e -> !e.getKey().equals(SCRIPT_USEC)).mapToLong(Map.Entry::getValue).sum();
    }

    /** Round trips of {@code PING} on this connection, sorted, in nanoseconds. */
    long[] pingRoundTrips(int count) {
        long[] nanos = new long[count];
        try {
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                redis.call("PING");
                nanos[i] = System.nanoTime() - start;
            }
        } catch (IOException e) {
            throw new IllegalStateException("PING failed", e);
        }
        java.util.Arrays.sort(nanos);
        return nanos;
    }

    @Override
    public void close() throws IOException {
        redis.close();
    }
}
