package io.sluice.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RPermitExpirableSemaphore;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Redisson's {@code RPermitExpirableSemaphore}, each client its own {@link RedissonClient}. Runs
 * only in bench's own jar (target/sluice-bench.jar), on the Netty Redisson is built for.
 */
final class RedissonContender implements Contender {
    /** One client for every thread (the former single-client anchor): large pools. */
    static final int SINGLE_CONNECTIONS = 256;
    static final int SINGLE_SUBSCRIPTION_CONNECTIONS = 64;
    /** A fleet client: a pod's worth (16 in flight) of connections, and 2 Netty threads as a Sluice client has. */
    static final int FLEET_NETTY_THREADS = 2;

    private final String uri;
    private final String name;
    private final int limit;
    private final int threadsPerClient;
    private final boolean fleet;
    private final ExecutorService sharedExecutor = Executors.newFixedThreadPool(FLEET_NETTY_THREADS);
    private EventLoopGroup loops;

    RedissonContender(String uri, String name, int limit, int threads, int clients) {
        this.uri = uri;
        this.name = "redisson:" + name;
        this.limit = limit;
        this.threadsPerClient = Math.max(1, (threads + clients - 1) / clients);
        this.fleet = clients > 1;
    }

    @Override
    public String name() {
        return "redisson";
    }

    @Override
    public Client client(int index, int count) {
        Config config = new Config();
        if (fleet) {
            // As Sluice's fleet clients: own connections, the fleet's I/O threads and executor shared.
            config.setEventLoopGroup(sharedLoops()).setExecutor(sharedExecutor);
            config.useSingleServer().setAddress(uri).setConnectionPoolSize(threadsPerClient + 8)
                    .setConnectionMinimumIdleSize(Math.min(threadsPerClient, 8)).setSubscriptionConnectionPoolSize(2)
                    .setSubscriptionConnectionMinimumIdleSize(1).setSubscriptionsPerConnection(50);
        } else {
            config.useSingleServer().setAddress(uri).setConnectionPoolSize(SINGLE_CONNECTIONS).setConnectionMinimumIdleSize(64)
                    .setSubscriptionConnectionPoolSize(SINGLE_SUBSCRIPTION_CONNECTIONS).setSubscriptionsPerConnection(50);
        }
        RedissonClient client = Redisson.create(config);
        RPermitExpirableSemaphore semaphore = client.getPermitExpirableSemaphore(name);
        if (index == 0) {
            semaphore.delete();
            semaphore.trySetPermits(limit);
        }
        return new Client() {
            @Override
            public Object acquire(String owner) throws InterruptedException {
                return semaphore.acquire(30, TimeUnit.SECONDS);
            }

            @Override
            public void release(Object token) {
                semaphore.release((String) token);
            }

            @Override
            public void close() {
                client.shutdown(0, 2, TimeUnit.SECONDS);
            }
        };
    }

    private synchronized EventLoopGroup sharedLoops() {
        if (loops == null) {
            loops = new NioEventLoopGroup(FLEET_NETTY_THREADS);
        }
        return loops;
    }

    @Override
    public synchronized void close() {
        if (loops != null) {
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            loops = null;
        }
        sharedExecutor.shutdown();
    }

    @Override
    public String settings() {
        return fleet
                ? "per client: 1 RedissonClient (the fleet shares " + FLEET_NETTY_THREADS + " Netty I/O threads and a "
                        + FLEET_NETTY_THREADS + "-thread executor), connectionPoolSize " + (threadsPerClient + 8)
                        + ", subscriptionConnectionPoolSize 2; RPermitExpirableSemaphore, lease 30s; release awaited"
                : "1 RedissonClient, connectionPoolSize " + SINGLE_CONNECTIONS + ", subscriptionConnectionPoolSize "
                        + SINGLE_SUBSCRIPTION_CONNECTIONS + "; RPermitExpirableSemaphore, lease 30s; release awaited";
    }
}
