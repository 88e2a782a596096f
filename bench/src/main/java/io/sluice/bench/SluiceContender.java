package io.sluice.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.slots.Acquisition;
import io.sluice.slots.Lease;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;

/**
 * Sluice's pool: each client is its own {@link RedisSlotPool} (one command and one pub/sub
 * connection, its own I/O threads), as each pod has. Runs only inside the CLI, which provides the pool.
 */
final class SluiceContender implements Contender {
    private final String uri;
    private final SlotPoolConfig config;

    SluiceContender(String uri, String pool, int limit) {
        this.uri = uri;
        this.config = SlotPoolConfig.builder(pool).limit(limit).assumeNewPool(true).build();
    }

    @Override
    public String name() {
        return "sluice";
    }

    @Override
    public Client client(int index, int count) {
        RedisSlotPool pool = RedisSlotPool.connect(uri, config, new SimpleMeterRegistry());
        return new Client() {
            @Override
            public Object acquire(String owner) {
                Acquisition a = pool.acquireBlocking(owner, Duration.ofMinutes(5));
                if (a instanceof Acquisition.Granted g) {
                    return g.lease();
                }
                throw new IllegalStateException("sluice pool did not grant: " + a);
            }

            @Override
            public void release(Object token) {
                pool.release((Lease) token).join();
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }

    @Override
    public String settings() {
        return "per client: 1 RedisSlotPool (1 command + 1 pub/sub connection), lease-ttl " + config.leaseTtl().toSeconds()
                + "s, ticket-ttl " + config.ticketTtl().toSeconds() + "s, fallback-wake " + config.fallbackWake().toMillis()
                + "ms; acquireBlocking(5 min); release awaited";
    }
}
