package io.sluice.redis;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The one timer all of this process's Redis clients share (Lettuce's command timeouts and reconnect
 * delays). Lettuce gives every {@code ClientResources} a {@link HashedWheelTimer} of its own, and a
 * wheel timer, once started, wakes every tick (100 ms) for as long as it lives, work or none: a worker
 * with a slot pool client and a result-watermark client paid two threads waking 10 times a second
 * each, about 0.1 % of a core apiece while it waited. Same tick and precision as Lettuce's own; a
 * daemon thread started on first use and never stopped (Lettuce stops only timers it made itself).
 */
public final class RedisTimer {
    private RedisTimer() {
    }

    private static final class Holder {
        static final Timer SHARED = new HashedWheelTimer(Thread.ofPlatform().daemon().name("sluice-redis-timer").factory(),
                100, TimeUnit.MILLISECONDS);
    }

    /** The process-wide timer, for {@code ClientResources.builder().timer(...)}. */
    public static Timer shared() {
        return Holder.SHARED;
    }
}
