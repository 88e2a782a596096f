package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.TcpProxy;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Network faults through an in-process TCP proxy: a silent host, a lost reply, a fail-over to a lagging replica. */
class SlotPoolLinkTest {
    private EmbeddedRedis redis;
    private TcpProxy proxy;
    private SlotPools viaProxy;
    private SlotPools direct;

    @BeforeEach
    void start() {
        redis = EmbeddedRedis.builder().build().start();
        proxy = new TcpProxy("127.0.0.1", redis.port());
        viaProxy = new SlotPools(proxy.redisUri());
        direct = new SlotPools(redis.uri());
    }

    @AfterEach
    void stop() {
        viaProxy.close();
        direct.close();
        proxy.close();
        redis.close();
    }

    @Test
    void aHostThatStopsAnsweringWithoutResetIsLeftAndTheClientReconnectsWithinTenSeconds() {
        // The production defaults: command timeout 2 s, heartbeat every ticket-ttl / 3 = 3.3 s.
        RedisSlotPool pool = viaProxy.open("silent", 2, b -> b.commandTimeout(Duration.ofSeconds(2)).ticketTtl(Duration.ofSeconds(10)));
        Acquisition first = pool.acquireBlocking("before", Duration.ZERO);
        assertThat(first).isInstanceOf(Acquisition.Granted.class);
        pool.release(((Acquisition.Granted) first).lease()).join();
        int connections = proxy.accepted();

        proxy.existing(TcpProxy.Mode.SILENT);   // no RST, no FIN: the bytes go nowhere
        long silent = System.nanoTime();
        assertThat(pool.acquireBlocking("while silent", Duration.ZERO)).isInstanceOf(Acquisition.Failed.class);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> pool.acquireBlocking("after", Duration.ZERO) instanceof Acquisition.Granted);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - silent)).isLessThan(10_000);
        assertThat(proxy.accepted()).as("it opened new connections").isGreaterThan(connections);
    }

    @Test
    void anAcquireWhoseReplyWasLostGivesBackWhatItWasGranted() {
        Duration ttl = Duration.ofSeconds(30);
        RedisSlotPool pool = viaProxy.open("lost", 1, b -> b.leaseTtl(ttl).renewEvery(Duration.ofSeconds(10)));
        RedisSlotPool observer = direct.open("lost", 1, b -> b.leaseTtl(ttl).renewEvery(Duration.ofSeconds(10)));

        proxy.existing(TcpProxy.Mode.DROP_REPLIES);   // the script runs; its answer never arrives
        assertThat(pool.acquireBlocking("reply lost", Duration.ZERO)).isInstanceOf(Acquisition.Failed.class);
        assertThat(observer.status().inUse()).as("Redis did grant it").isEqualTo(1);

        // Once the link is back, the request's lease is given back by its id, long before its 30 s TTL.
        await().atMost(Duration.ofSeconds(6)).until(() -> observer.status().inUse() == 0);
        assertThat(observer.acquireBlocking("next", Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
    }

    @Test
    void failingOverToALaggingReplicaFencesThePool() throws Exception {
        Duration ttl = Duration.ofSeconds(3);
        try (EmbeddedRedis replica = EmbeddedRedis.builder().arg("--replicaof", "127.0.0.1", Integer.toString(redis.port()))
                .build().start()) {
            RedisClient raw = RedisClient.create(redis.uri());
            RedisClient rawReplica = RedisClient.create(replica.uri());
            try (StatefulRedisConnection<String, String> p = raw.connect();
                 StatefulRedisConnection<String, String> r = rawReplica.connect()) {
                RedisSlotPool living = viaProxy.open("lag", 3, b -> b.leaseTtl(ttl).renewEvery(Duration.ofMillis(200)));
                Lease replicated = ((Acquisition.Granted) living.acquireBlocking("replicated", Duration.ZERO)).lease();
                await().atMost(Duration.ofSeconds(10)).until(() -> p.sync().waitForReplication(1, 100) >= 1);
                r.sync().replicaofNoOne();   // from here on the replica lags behind

                Lease missed = ((Acquisition.Granted) living.acquireBlocking("not replicated", Duration.ZERO)).lease();
                RedisSlotPool dying = viaProxy.open("lag", 3, b -> b.leaseTtl(ttl));
                assertThat(dying.acquireBlocking("orphan", Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
                dying.closeAbruptly();

                proxy.retarget("127.0.0.1", replica.port());   // fail-over: the address now leads to the replica
                proxy.closeExisting();
                long lost = System.nanoTime();
                await().atMost(Duration.ofSeconds(3)).ignoreExceptions().until(() -> living.status().fenced());

                RedisSlotPool newcomer = viaProxy.open("lag", 3, b -> b.leaseTtl(Duration.ofSeconds(1)));
                assertThat(newcomer.acquireBlocking("too early", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
                Acquisition later = newcomer.acquireBlocking("after the fence", Duration.ofSeconds(10));
                assertThat(later).isInstanceOf(Acquisition.Granted.class);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lost)).isGreaterThanOrEqualTo(ttl.toMillis() - 100);
                assertThat(replicated.lost()).isNotDone();
                assertThat(missed.lost()).as("re-admitted: its holder is alive").isNotDone();
            } finally {
                raw.shutdown();
                rawReplica.shutdown();
            }
        }
    }
}
