package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tests that stop or restart Redis, each on its own server. */
class SlotPoolRedisFailureTest extends OwnRedisTest {
    @Test
    void afterDataLossTheLiveLimitSurvivesAndHoldersAreReadmitted() {
        // The configured limit is 3; an operator raised the live limit to 5, which the restart forgets
        // and the clients that knew it restore: the fence never resets a live limit to a configured one.
        RedisSlotPool p1 = pools.open("restart", 3, b -> b.leaseTtl(Duration.ofSeconds(4)).renewEvery(Duration.ofMillis(200)));
        RedisSlotPool p2 = pools.open("restart", 3, b -> b.leaseTtl(Duration.ofSeconds(4)).renewEvery(Duration.ofMillis(200)));
        p1.setLimit(5);
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Acquisition a = (i % 2 == 0 ? p1 : p2).acquireBlocking("q" + i, Duration.ZERO);
            leases.add(((Acquisition.Granted) a).lease());
        }
        redis.restart();
        await().atMost(Duration.ofSeconds(3)).until(() -> p1.status().inUse() == 5);
        PoolStatus status = p1.status();
        assertThat(status.limit()).as("the live limit, not the configured 3").isEqualTo(5);
        assertThat(status.fenced()).isTrue();
        assertThat(status.leases()).extracting(PoolStatus.LeaseInfo::leaseId)
                .containsExactlyInAnyOrderElementsOf(leases.stream().map(Lease::id).toList());
        assertThat(leases).allSatisfy(l -> assertThat(l.lost()).isNotDone());
        assertThat(p2.acquireBlocking("late", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        assertThat(p1.held() + p2.held()).isEqualTo(5);
    }

    @Test
    void afterDataLossADeadHoldersSlotStaysFencedUntilItsLeaseWouldHaveExpired() {
        Duration ttl = Duration.ofSeconds(3);
        RedisSlotPool dying = pools.open("fence", 2, b -> b.leaseTtl(ttl).renewEvery(Duration.ofMillis(200)));
        RedisSlotPool living = pools.open("fence", 2, b -> b.leaseTtl(ttl).renewEvery(Duration.ofMillis(200)));
        assertThat(dying.acquireBlocking("orphaned query", Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
        Lease kept = ((Acquisition.Granted) living.acquireBlocking("live query", Duration.ZERO)).lease();

        dying.closeAbruptly();   // its query may still run at the downstream: its slot must not be reused early
        redis.restart();         // and Redis forgets every lease
        long restarted = System.nanoTime();
        // The live holder re-admits its lease; the pool is fenced, so the dead holder's slot stays shut.
        await().atMost(Duration.ofSeconds(2)).until(() -> living.status().inUse() == 1);
        assertThat(living.status().fenced()).isTrue();

        RedisSlotPool newcomer = pools.open("fence", 2, b -> b.leaseTtl(Duration.ofSeconds(1)));
        assertThat(newcomer.acquireBlocking("too early", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        Acquisition waited = newcomer.acquireBlocking("after the fence", Duration.ofSeconds(10));
        long grantedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);

        assertThat(waited).isInstanceOf(Acquisition.Granted.class);
        assertThat(grantedAfterMs).as("granted only once a lease from before the loss must have expired")
                .isGreaterThanOrEqualTo(ttl.toMillis() - 500);
        assertThat(kept.lost()).as("the live holder kept its lease").isNotDone();
        assertThat(living.status().inUse()).isEqualTo(2);
    }

    @Test
    void whenRedisIsDownAcquireFailsPromptlyHoldersLoseTheirLeasesAndItRecovers() {
        RedisSlotPool pool = pools.open("down", 2, b -> b.commandTimeout(Duration.ofMillis(300)));
        Acquisition first = pool.acquireBlocking("held", Duration.ZERO);
        assertThat(first).isInstanceOf(Acquisition.Granted.class);
        Lease lease = ((Acquisition.Granted) first).lease();
        java.util.concurrent.CompletableFuture<Long> lostAt = lease.lost().thenApply(l -> System.nanoTime());
        redis.stop();
        long stopped = System.nanoTime();   // renewals succeeded until the server went, however long stopping took

        long start = System.nanoTime();
        Acquisition once = pool.acquireBlocking("a", Duration.ZERO);
        Acquisition waiting = pool.acquireBlocking("b", Duration.ofSeconds(10));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(once).isInstanceOf(Acquisition.Failed.class);
        assertThat(waiting).isInstanceOf(Acquisition.Failed.class);
        assertThat(tookMs).as("two acquires while Redis is down").isLessThan(2 * 300 + 500);

        LeaseLoss loss = lease.lost().orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(loss.reason()).isEqualTo(LeaseLoss.Reason.DEADLINE_PASSED);
        // The deadline itself is sent-time + ttl - 1 ms of the last renewal that got through
        // (SlotHolderClockTest), so the loss comes within one TTL of Redis going away; here only the
        // timer's lateness on a busy host is added.
        assertThat(loss.heldFor()).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        assertThat(TimeUnit.NANOSECONDS.toMillis(lostAt.join() - stopped)).as("lost within a TTL of Redis going away")
                .isLessThanOrEqualTo(1_000 + 250);

        redis.start();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> pool.acquireBlocking("back", Duration.ZERO) instanceof Acquisition.Granted);
    }
}
