package io.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
    void stoppingAClientsScopeCancelsWhatItLeftPendingAndTheOthersGoOn() {
        RedisTimer.Scope closed = RedisTimer.scope();
        RedisTimer.Scope open = RedisTimer.scope();
        AtomicBoolean closedRan = new AtomicBoolean();
        AtomicBoolean openRan = new AtomicBoolean();
        closed.newTimeout(t -> closedRan.set(true), 200, TimeUnit.MILLISECONDS);   // e.g. a handshake timeout
        open.newTimeout(t -> openRan.set(true), 200, TimeUnit.MILLISECONDS);       // due no earlier than the first

        assertThat(closed.stop()).hasSize(1);   // what Lettuce does with a timer of its own when a client shuts down
        await().atMost(Duration.ofSeconds(5)).untilTrue(openRan);
        assertThat(closedRan).as("a stopped client's timeout never runs (on its shut-down event loop)").isFalse();
        assertThat(closed.pending()).isZero();
        assertThat(open.pending()).isZero();
        assertThatThrownBy(() -> closed.newTimeout(t -> { }, 1, TimeUnit.MILLISECONDS))
                .isInstanceOf(RejectedExecutionException.class);
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
