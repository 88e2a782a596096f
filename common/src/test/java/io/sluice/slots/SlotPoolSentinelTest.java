package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.EmbeddedSentinel;
import io.sluice.slots.internal.RedisSlotPool;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pool behind a real Sentinel group (a primary, a replica, three sentinels, all redis-server):
 * the client finds the primary through the sentinels, and after the primary dies and the sentinels
 * promote the replica, it reconnects to the new primary by itself; held leases survive and the cap holds.
 */
class SlotPoolSentinelTest {
    private static final String MASTER = "sluice-test";

    @Test
    void thePoolFindsThePrimaryThroughSentinelAndSurvivesAFailover() {
        List<EmbeddedSentinel> sentinels = new ArrayList<>();
        try (EmbeddedRedis primary = EmbeddedRedis.builder().build().start();
             EmbeddedRedis replica = EmbeddedRedis.builder().arg("--replicaof", "127.0.0.1", Integer.toString(primary.port()))
                     .build().start()) {
            for (int i = 0; i < 3; i++) {
                sentinels.add(EmbeddedSentinel.start(MASTER, primary.port(), 2, Duration.ofSeconds(1)));
            }
            RedisClient sentinelClient = RedisClient.create("redis://127.0.0.1:" + sentinels.getFirst().port());
            RedisClient primaryClient = RedisClient.create(primary.uri());
            try (StatefulRedisSentinelConnection<String, String> sentinel = sentinelClient.connectSentinel();
                 StatefulRedisConnection<String, String> raw = primaryClient.connect();
                 SlotPools pools = new SlotPools(sentinelUri(sentinels))) {
                await().atMost(Duration.ofSeconds(20)).until(() -> !sentinel.sync().replicas(MASTER).isEmpty());

                RedisSlotPool pool = pools.open("sentinel", 2, b -> b.leaseTtl(Duration.ofSeconds(10))
                        .renewEvery(Duration.ofMillis(500)).commandTimeout(Duration.ofSeconds(3)));
                Lease held = ((Acquisition.Granted) pool.acquireBlocking("held across the fail-over", Duration.ZERO)).lease();
                await().atMost(Duration.ofSeconds(10)).until(() -> raw.sync().waitForReplication(1, 100) >= 1);

                primary.stop();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> ((InetSocketAddress) sentinel.sync().getMasterAddrByName(MASTER)).getPort() == replica.port());
                // The client reconnects to the promoted replica on its own and grants again.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> pool.acquireBlocking("after the fail-over", Duration.ZERO) instanceof Acquisition.Granted);
                assertThat(held.lost()).as("the lease held across the fail-over").isNotDone();
                PoolStatus status = pool.status();
                assertThat(status.limit()).isEqualTo(2);
                assertThat(status.inUse()).isEqualTo(2);
                assertThat(pool.acquireBlocking("third", Duration.ZERO)).as("the cap holds on the new primary")
                        .isInstanceOf(Acquisition.Refused.class);
            } finally {
                sentinelClient.shutdown();
                primaryClient.shutdown();
            }
        } finally {
            sentinels.forEach(EmbeddedSentinel::close);
        }
    }

    private static String sentinelUri(List<EmbeddedSentinel> sentinels) {
        StringBuilder b = new StringBuilder("redis-sentinel://");
        for (int i = 0; i < sentinels.size(); i++) {
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(sentinels.get(i).port());
        }
        return b.append("#").append(MASTER).toString();
    }
}
