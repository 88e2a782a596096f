package io.sluice.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.slots.Acquisition;
import io.sluice.slots.Lease;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.redis.SharedIo;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisSlotPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Sluice's pool: each client is its own {@link RedisSlotPool} (one command and one pub/sub
 * connection), as each pod has; a fleet's clients share their I/O threads ({@link SharedIo}): pods
 * have their own cores, so N pods' threads time-sliced on this machine's would measure the scheduler. Runs only inside the CLI, which provides the pool.
 */
final class SluiceContender implements Contender {
    /** Lettuce I/O threads a fleet's clients share (each pool alone has 2 of its own). */
    static final int FLEET_IO_THREADS = 2;
    private final String uri;
    private final SlotPoolConfig config;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    /** A fleet's clients share I/O threads (their own connections); one client keeps its own. */
    private SharedIo io;

    SluiceContender(String uri, String pool, int limit) {
        this.uri = uri;
        this.config = SlotPoolConfig.builder(pool).limit(limit).assumeNewPool(true).build();
        // Pools are declared before they are used: the bench's own Redis never held this one.
        RedisPoolAdmin.apply(uri, config.commandTimeout(), new PoolDeclaration(pool, limit, List.of()), config.leaseTtl(), true);
    }

    @Override
    public String name() {
        return "sluice";
    }

    @Override
    public Client client(int index, int count) {
        MeterRegistry registry = new SimpleMeterRegistry();
        registries.add(registry);
        RedisSlotPool pool = count == 1 ? RedisSlotPool.connect(uri, config, registry)
                : RedisSlotPool.connect(uri, config, registry, sharedIo());
        return new Client() {
            @Override
            public Object acquire(String owner) {
                Acquisition a = pool.acquireBlocking(owner, SlotPool.UNTIL_GRANTED); // as workers wait
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

    private synchronized SharedIo sharedIo() {
        if (io == null) {
            io = new SharedIo(FLEET_IO_THREADS);
        }
        return io;
    }

    @Override
    public synchronized void close() {
        if (io != null) {
            io.close();
            io = null;
        }
    }

    /** Every counter and timer count of the pools' meters (whatever the pool exposes, e.g. refusals, lost leases). */
    @Override
    public Map<String, Long> meters() {
        Map<String, Long> sums = new TreeMap<>();
        for (MeterRegistry r : registries) {
            for (Meter m : r.getMeters()) {
                long n = m instanceof Counter c ? (long) c.count() : m instanceof Timer t ? t.count() : -1;
                if (n >= 0) {
                    String tags = m.getId().getTags().stream().filter(t -> !t.getKey().equals("pool"))
                            .map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(","));
                    sums.merge(m.getId().getName() + (tags.isEmpty() ? "" : "{" + tags + "}"), n, Long::sum);
                }
            }
        }
        return sums;
    }

    @Override
    public String settings() {
        return "per client: 1 RedisSlotPool (1 command + 1 pub/sub connection; a fleet's clients share "
                + FLEET_IO_THREADS + " Lettuce I/O threads, a lone client has its own 2), lease-ttl " + config.leaseTtl().toSeconds()
                + "s, ticket-ttl " + config.ticketTtl().toSeconds() + "s, fallback-wake " + config.fallbackWake().toMillis()
                + "ms; acquireBlocking(UNTIL_GRANTED) as workers; release awaited";
    }
}
