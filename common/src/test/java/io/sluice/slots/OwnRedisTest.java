package io.sluice.slots;

import io.sluice.embedded.EmbeddedRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A redis-server of each test's own, for the slot-pool tests that restart, pause, restore or flush it (the
 * others share the JVM's one server), and the pool clients opened on it, closed after each test.
 */
abstract class OwnRedisTest {
    protected EmbeddedRedis redis;
    protected SlotPools pools;

    @BeforeEach
    void startOwnRedis() {
        redis = EmbeddedRedis.builder().build().start();
        pools = new SlotPools(redis.uri());
    }

    @AfterEach
    void stopOwnRedis() {
        pools.close();
        redis.close();
    }
}
