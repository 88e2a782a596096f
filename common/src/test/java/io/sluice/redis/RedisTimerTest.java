package io.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A process's Redis clients (a worker has a slot pool client and a result-watermark link) share one
 * timer thread: Lettuce's own, one per client, each wakes ten times a second for as long as it lives.
 */
class RedisTimerTest {

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    @Test
    void aSlotPoolClientAndALinkShareOneTimerThread() throws Exception {
        long lettuceTimers = threadsNamed("lettuce-timer");
        String uri = SharedServers.redis().uri();
        try (RedisSlotPool pool = RedisSlotPool.connect(uri, SlotPoolConfig.builder(SharedServers.uniqueName("timer"))
                     .limit(1).assumeNewPool(true).build(), new SimpleMeterRegistry());
             RedisLink link = RedisLink.open(uri, Duration.ofSeconds(2), null)) {
            // Commands with a timeout: each client's timer (Lettuce starts it on first use) is running now.
            pool.status();
            link.async().ping().toCompletableFuture().get();
            assertThat(threadsNamed("lettuce-timer")).as("timer threads of Lettuce's own").isEqualTo(lettuceTimers);
            assertThat(threadsNamed("sluice-redis-timer")).as("the shared timer").isEqualTo(1);
        }
    }
}
