package io.sluice.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.slots.Acquisition;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RPermitExpirableSemaphore;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** The four contenders of {@code sluice bench slots}. */
final class Contenders {
    private Contenders() {}

    /** (a) Sluice's pool: one pool client (one process) shared by every thread. */
    static final class SluicePool implements Contender {
        private final RedisSlotPool pool;

        SluicePool(String uri, String name, int limit) {
            pool = RedisSlotPool.connect(uri, SlotPoolConfig.builder(name).limit(limit).assumeNewPool(true).build(), new SimpleMeterRegistry());
        }

        @Override
        public String name() {
            return "sluice";
        }

        @Override
        public Object acquire(int thread) {
            Acquisition a = pool.acquireBlocking("t" + thread, Duration.ofMinutes(5));
            if (a instanceof Acquisition.Granted g) {
                return g.lease();
            }
            throw new IllegalStateException("sluice pool did not grant: " + a);
        }

        @Override
        public void release(Object token) {
            pool.release((io.sluice.slots.Lease) token);
        }

        @Override
        public String settings() {
            return "1 pool client (1 command + 1 pub/sub connection), lease-ttl 30s, fallback-wake 1s";
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    /** (b) The seed's racy counter: GET, then INCR if below the limit, else sleep 1 s; skip after give-up. */
    static final class PollingCounter implements Contender {
        private final RedisClient client;
        private final StatefulRedisConnection<String, String> connection;
        private final RedisCommands<String, String> redis;
        private final String key;
        private final int limit;
        private final long giveUpNanos;

        PollingCounter(String uri, String name, int limit, Duration giveUp) {
            client = RedisClient.create(uri);
            connection = client.connect();
            redis = connection.sync();
            key = "seed:" + name + ":count";
            this.limit = limit;
            this.giveUpNanos = giveUp.toNanos();
            redis.del(key);
        }

        @Override
        public String name() {
            return "polling-counter";
        }

        @Override
        public Object acquire(int thread) throws InterruptedException {
            long deadline = System.nanoTime() + giveUpNanos;
            while (true) {
                String v = redis.get(key);
                if (v == null || Long.parseLong(v) < limit) {
                    redis.incr(key);
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
            redis.decr(key);
        }

        @Override
        public String settings() {
            return "poll every 1s, give up after " + TimeUnit.NANOSECONDS.toSeconds(giveUpNanos) + "s";
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }

    /** (c) Redisson's RPermitExpirableSemaphore on one shared client with large pools. */
    static final class RedissonSemaphore implements Contender {
        static final int CONNECTIONS = 256;
        static final int SUBSCRIPTION_CONNECTIONS = 64;
        private final RedissonClient client;
        private final RPermitExpirableSemaphore semaphore;

        RedissonSemaphore(String uri, String name, int limit) {
            Config config = new Config();
            config.useSingleServer().setAddress(uri).setConnectionPoolSize(CONNECTIONS).setConnectionMinimumIdleSize(64)
                    .setSubscriptionConnectionPoolSize(SUBSCRIPTION_CONNECTIONS).setSubscriptionsPerConnection(50);
            client = Redisson.create(config);
            semaphore = client.getPermitExpirableSemaphore("redisson:" + name);
            semaphore.delete();
            semaphore.trySetPermits(limit);
        }

        @Override
        public String name() {
            return "redisson";
        }

        @Override
        public Object acquire(int thread) throws InterruptedException {
            return semaphore.acquire(30, TimeUnit.SECONDS);
        }

        @Override
        public void release(Object token) {
            semaphore.release((String) token);
        }

        @Override
        public String settings() {
            return "RPermitExpirableSemaphore, lease 30s, connectionPoolSize " + CONNECTIONS
                    + ", subscriptionConnectionPoolSize " + SUBSCRIPTION_CONNECTIONS;
        }

        @Override
        public void close() {
            client.shutdown();
        }
    }

    /** (d) The physical best case: an in-process fair semaphore. */
    static final class LocalFairSemaphore implements Contender {
        private final Semaphore semaphore;

        LocalFairSemaphore(int limit) {
            semaphore = new Semaphore(limit, true);
        }

        @Override
        public String name() {
            return "jdk-fair-semaphore";
        }

        @Override
        public Object acquire(int thread) throws InterruptedException {
            semaphore.acquire();
            return Boolean.TRUE;
        }

        @Override
        public void release(Object token) {
            semaphore.release();
        }

        @Override
        public String settings() {
            return "java.util.concurrent.Semaphore(L, fair=true), in process";
        }
    }
}
