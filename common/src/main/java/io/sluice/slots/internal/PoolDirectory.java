package io.sluice.slots.internal;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.sluice.config.ConfigLoader;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The pools a Redis holds, found by their leases keys ({@code sluice:{POOL}:leases}: a pool's state lives
 * in it), read only. For {@code sluice slots list} and for the "did you mean" of an undeclared pool.
 */
final class PoolDirectory {
    private static final String PREFIX = "sluice:{";
    private static final String SUFFIX = "}:leases";

    private PoolDirectory() {
    }

    /** Every pool name, sorted. SCAN over every node of a Cluster (Lettuce walks them with one cursor). */
    static List<String> names(RedisClusterAsyncCommands<String, String> redis, Duration timeout) throws Exception {
        TreeSet<String> names = new TreeSet<>();
        ScanArgs match = ScanArgs.Builder.matches(PREFIX + "*" + SUFFIX).limit(1000);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, match).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            for (String key : page.getKeys()) {
                if (key.startsWith(PREFIX) && key.endsWith(SUFFIX)) {
                    names.add(key.substring(PREFIX.length(), key.length() - SUFFIX.length()));
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return List.copyOf(names);
    }

    /** The name nearest to {@code pool} when it is near enough to be a slip (a third of its length), else null. */
    static String nearest(String pool, List<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            int d = ConfigLoader.levenshtein(pool, name);
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, pool.length() / 3) ? best : null;
    }
}
