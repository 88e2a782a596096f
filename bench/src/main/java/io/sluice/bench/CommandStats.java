package io.sluice.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Map;
import java.util.TreeMap;

/** Redis' own count of commands run, including those inside Lua scripts (INFO commandstats). */
final class CommandStats implements AutoCloseable {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    CommandStats(String uri) {
        client = RedisClient.create(uri);
        connection = client.connect();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : connection.sync().info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            int at = line.indexOf("calls=") + "calls=".length();
            int end = line.indexOf(',', at);
            calls.put(name, Long.parseLong(line.substring(at, end < 0 ? line.length() : end)));
        }
        return calls;
    }

    /** Commands run between two snapshots, leaving out the INFO calls that took them. */
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

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
