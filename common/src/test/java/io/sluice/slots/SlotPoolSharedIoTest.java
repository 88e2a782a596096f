package io.sluice.slots;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import io.sluice.redis.SharedIo;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Pool clients on shared I/O threads (the fleet bench's pods): each has its own connections, and
 * closing one leaves the threads, and so the others, running; closing the shared threads is the owner's.
 */
class SlotPoolSharedIoTest {
    @Test
    void closingOneClientLeavesTheSharedThreadsToTheOthers() throws Exception {
        String name = SharedServers.uniqueName("shared-io");
        SlotPoolConfig config = SlotPools.fast(name, 1).leaseTtl(Duration.ofSeconds(10)).renewEvery(Duration.ofSeconds(2)).build();
        try (SharedIo io = new SharedIo(2)) {
            RedisSlotPool first = RedisSlotPool.connect(SharedServers.redis().uri(), config, new SimpleMeterRegistry(), io);
            RedisSlotPool second = RedisSlotPool.connect(SharedServers.redis().uri(), config, new SimpleMeterRegistry(), io);
            try {
                assertThat(first.clientId()).isNotEqualTo(second.clientId());
                Lease held = ((Acquisition.Granted) first.acquire("a", Duration.ZERO).get(10, SECONDS)).lease();
                var waiting = second.acquire("b", Duration.ofSeconds(10));
                first.release(held).get(10, SECONDS);
                // the hand-off reaches the second client on the shared threads
                assertThat(waiting.get(10, SECONDS)).isInstanceOf(Acquisition.Granted.class);
                first.close();
                second.release(((Acquisition.Granted) waiting.get()).lease()).get(10, SECONDS);
                assertThat(second.acquire("c", Duration.ZERO).get(10, SECONDS)).as("still served after the first closed")
                        .isInstanceOf(Acquisition.Granted.class);
            } finally {
                first.close();
                second.close();
            }
        }
    }
}
