package io.sluice.slots;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/** Opens pool clients for a test and closes whatever is left of them afterwards. */
final class SlotPools implements AutoCloseable {
    private final String uri;
    private final List<RedisSlotPool> opened = new ArrayList<>();

    SlotPools(String uri) {
        this.uri = uri;
    }

    /**
     * Short timings, so that expiry and failure tests run in seconds; the pool is new (each test
     * uses its own name), so it starts unfenced (tests of fencing turn that off).
     */
    static SlotPoolConfig.Builder fast(String pool, int limit) {
        return SlotPoolConfig.builder(pool).limit(limit).leaseTtl(Duration.ofSeconds(1)).renewEvery(Duration.ofMillis(250))
                .ticketTtl(Duration.ofSeconds(1)).fallbackWake(Duration.ofMillis(300)).commandTimeout(Duration.ofSeconds(1))
                .assumeNewPool(true);
    }

    RedisSlotPool open(SlotPoolConfig config) {
        return open(config, new SimpleMeterRegistry(), System::nanoTime);
    }

    RedisSlotPool open(SlotPoolConfig config, MeterRegistry registry, LongSupplier nanoTime) {
        RedisSlotPool pool = RedisSlotPool.connect(uri, config, registry, nanoTime);
        synchronized (opened) {
            opened.add(pool);
        }
        return pool;
    }

    RedisSlotPool open(String pool, int limit, UnaryOperator<SlotPoolConfig.Builder> tweak) {
        return open(tweak.apply(fast(pool, limit)).build());
    }

    @Override
    public void close() {
        synchronized (opened) {
            opened.forEach(RedisSlotPool::close);
            opened.clear();
        }
    }
}
