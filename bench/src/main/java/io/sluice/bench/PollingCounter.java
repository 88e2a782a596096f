package io.sluice.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The seed's racy counter: GET, then INCR if below the limit, else sleep 1 s; skip after give-up.
 * Each client has its own connection. Runs only inside the CLI (Lettuce from sluice-common).
 */
final class PollingCounter implements Contender {
    private final RedisClient redis;
    private final String key;
    private final int limit;
    private final long giveUpNanos;

    PollingCounter(String uri, String name, int limit, Duration giveUp) {
        redis = RedisClient.create(uri);
        key = "seed:" + name + ":count";
        this.limit = limit;
        this.giveUpNanos = giveUp.toNanos();
    }

    @Override
    public String name() {
        return "polling-counter";
    }

    @Override
    public Client client(int index, int count) {
        StatefulRedisConnection<String, String> connection = redis.connect();
        RedisCommands<String, String> sync = connection.sync();
        if (index == 0) {
            sync.del(key);
        }
        return new Client() {
            @Override
            public Object acquire(String owner) throws InterruptedException {
                long deadline = System.nanoTime() + giveUpNanos;
                while (true) {
                    String v = sync.get(key);
                    if (v == null || Long.parseLong(v) < limit) {
                        sync.incr(key);
                        return Boolean.TRUE;
                    }
                    if (System.nanoTime() - deadline >= 0) {
                        return null;
                    }
                    Thread.sleep(1_000);
                }
            }

            @Override
            public void release(Object token) {
                sync.decr(key);
            }

            @Override
            public void close() {
                connection.close();
            }
        };
    }

    @Override
    public String settings() {
        return "per client: 1 Lettuce connection; poll every 1s, give up after " + TimeUnit.NANOSECONDS.toSeconds(giveUpNanos) + "s";
    }

    @Override
    public void close() {
        redis.shutdown();
    }
}
