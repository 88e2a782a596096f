package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.EmbeddedRedisCluster;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pool on a real Redis Cluster (3 primaries, 1 replica each, all redis-server): keys in one
 * slot, hand-offs by pub/sub (sharded on Redis 7+), the cap, and a fail-over inside the cluster.
 * The fallback re-check is set to 60 s, so a hand-off that arrives in seconds came by pub/sub: a
 * message lost, or a grant undone because SPUBLISH counted no subscriber, would take a minute.
 */
class SlotPoolClusterTest {
    private static final Duration NO_FALLBACK = Duration.ofSeconds(60);
    private static EmbeddedRedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = EmbeddedRedisCluster.start(3, 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void grantsHandOffsAndTheCapWorkOnACluster() throws Exception {
        try (SlotPools pools = new SlotPools(cluster.uri())) {
            RedisSlotPool a = pools.open("cluster-a", 2, b -> b.fallbackWake(NO_FALLBACK).leaseTtl(Duration.ofSeconds(5))
                    .renewEvery(Duration.ofSeconds(1)));
            RedisSlotPool b = pools.open("cluster-a", 2, x -> x.fallbackWake(NO_FALLBACK).leaseTtl(Duration.ofSeconds(5))
                    .renewEvery(Duration.ofSeconds(1)));
            Lease first = granted(a.acquireBlocking("a1", Duration.ZERO));
            granted(a.acquireBlocking("a2", Duration.ZERO));
            assertThat(b.acquireBlocking("refused", Duration.ZERO)).as("the cap").isInstanceOf(Acquisition.Refused.class);

            CompletableFuture<Acquisition> waiting = b.acquire("b1", Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.status().waiters() == 1);
            long released = System.nanoTime();
            a.release(first).get(5, TimeUnit.SECONDS);
            granted(waiting.get(20, TimeUnit.SECONDS));
            assertThat(Duration.ofNanos(System.nanoTime() - released)).as("hand-off by pub/sub, not the fallback re-check")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(a.status().inUse()).isEqualTo(2);

            int slot = cluster.slotOf("sluice:{cluster-a}:leases");
            EmbeddedRedis owner = cluster.primaryOf(slot);
            if (redisMajor(owner) >= 7) {
                @SuppressWarnings("unchecked")
                List<Object> channels = (List<Object>) cluster.call(owner, "PUBSUB", "SHARDCHANNELS", "sluice:{cluster-a}:*");
                assertThat(channels).as("grant channels are shard channels on the pool's primary")
                        .contains("sluice:{cluster-a}:grants:" + b.clientId());
            }
        }
    }

    @Test
    void aFailoverInsideTheClusterKeepsHeldLeasesTheCapAndHandOffs() throws Exception {
        String pool = "cluster-failover";
        int slot = cluster.slotOf("sluice:{" + pool + "}:leases");
        EmbeddedRedis primary = cluster.primaryOf(slot);
        EmbeddedRedis replica = cluster.replicasOf(slot).get(0);
        try (SlotPools pools = new SlotPools(cluster.uri())) {
            RedisSlotPool a = pools.open(pool, 2, x -> x.fallbackWake(NO_FALLBACK).leaseTtl(Duration.ofSeconds(10))
                    .renewEvery(Duration.ofSeconds(1)).commandTimeout(Duration.ofSeconds(2)));
            RedisSlotPool b = pools.open(pool, 2, x -> x.fallbackWake(NO_FALLBACK).leaseTtl(Duration.ofSeconds(10))
                    .renewEvery(Duration.ofSeconds(1)).commandTimeout(Duration.ofSeconds(2)));
            Lease held = granted(a.acquireBlocking("held across the fail-over", Duration.ZERO));
            assertThat(cluster.awaitReplicated(primary, 1)).isTrue();

            cluster.failover(replica, "");
            cluster.awaitHealthy();

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> a.acquireBlocking("after the fail-over", Duration.ZERO) instanceof Acquisition.Granted);
            assertThat(held.lost()).as("the lease held across the fail-over").isNotDone();
            assertThat(a.status().inUse()).isEqualTo(2);
            assertThat(b.acquireBlocking("over the cap", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);

            CompletableFuture<Acquisition> waiting = b.acquire("waits on the new primary", Duration.ofSeconds(40));
            await().atMost(Duration.ofSeconds(10)).until(() -> a.status().waiters() == 1);
            long released = System.nanoTime();
            a.release(held).get(5, TimeUnit.SECONDS);
            granted(waiting.get(45, TimeUnit.SECONDS));
            assertThat(Duration.ofNanos(System.nanoTime() - released))
                    .as("the grant channel was subscribed again on the new primary").isLessThan(Duration.ofSeconds(5));
        }
    }

    private static Lease granted(Acquisition acquisition) {
        assertThat(acquisition).isInstanceOf(Acquisition.Granted.class);
        return ((Acquisition.Granted) acquisition).lease();
    }

    private static int redisMajor(EmbeddedRedis node) {
        String info = (String) cluster.call(node, "INFO", "server");
        String v = info.lines().filter(l -> l.startsWith("redis_version:")).findFirst().orElse("redis_version:0.");
        return Integer.parseInt(v.substring("redis_version:".length(), v.indexOf('.')));
    }
}
