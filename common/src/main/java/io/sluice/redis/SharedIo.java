package io.sluice.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.TimeUnit;

/**
 * I/O threads that several Redis clients in one process share: Lettuce's event loops and its
 * computation executor (the timer is shared by every client anyway, {@link RedisTimer}). A client
 * built from {@link #builder()} has its own connections and {@link ClientResources}, and shutting
 * those down leaves these running (Lettuce shuts down only what it created); {@link #close()} stops
 * them. For one process standing in for many pods (the fleet bench): each pod has its own cores, so
 * giving each of N simulated pods its own threads on one machine would measure thread scheduling.
 */
public final class SharedIo implements AutoCloseable {
    private final EventLoopGroupProvider loops;
    private final EventExecutorGroup computation;

    public SharedIo(int ioThreads) {
        this.loops = new DefaultEventLoopGroupProvider(ioThreads);
        this.computation = new DefaultEventExecutorGroup(1);
    }

    /** A builder of client resources over these threads; set the client's own options on it and build. */
    public ClientResources.Builder builder() {
        return ClientResources.builder().eventLoopGroupProvider(loops).eventExecutorGroup(computation);
    }

    @Override
    public void close() {
        loops.shutdown(0, 2, TimeUnit.SECONDS);
        computation.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
