package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A slot stands for work the downstream may still be doing (docs/SLOTS.md, "The cap at the
 * downstream"): a lease whose query the holder stopped waiting for stays taken until the downstream
 * is surely done, and a lease its holder can no longer vouch for lapses in Redis instead of being
 * given back early. Each test on its own server (one pauses it).
 */
class SlotPoolAbandonedTest extends OwnRedisTest {
    private static Lease granted(Acquisition a) {
        assertThat(a).isInstanceOf(Acquisition.Granted.class);
        return ((Acquisition.Granted) a).lease();
    }

    private static long msSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    @Test
    void releaseAfterKeepsTheSlotRenewedUntilTheDelayThenHandsItToTheWaiter() {
        Duration after = Duration.ofMillis(2_500);   // longer than the lease TTL: only renewals keep it
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RedisSlotPool holder = pools.open(SlotPools.fast("p", 1).build(), meters, System::nanoTime);
        RedisSlotPool other = pools.open("p", 1, b -> b);
        Lease lease = granted(holder.acquireBlocking("timed out", Duration.ZERO));

        long abandoned = System.nanoTime();
        CompletableFuture<Void> given = holder.releaseAfter(lease, after);
        assertThat(other.acquireBlocking("too early", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        assertThat(holder.held()).as("no longer held for running work").isZero();
        assertThat(meters.get("sluice.slots.abandoned").gauge().value()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> other.status().abandoned() == 1);

        Lease next = granted(other.acquireBlocking("waiter", Duration.ofSeconds(10)));
        long waitedMs = msSince(abandoned);
        assertThat(waitedMs).as("the slot stays taken until the downstream is surely done").isGreaterThanOrEqualTo(after.toMillis() - 50);
        given.orTimeout(2, TimeUnit.SECONDS).join();
        assertThat(meters.get("sluice.slots.abandoned").gauge().value()).isZero();
        PoolStatus status = other.status();
        assertThat(status.inUse()).isEqualTo(1);
        assertThat(status.abandoned()).as("the waiter's lease is not abandoned").isZero();
        assertThat(status.leases()).extracting(PoolStatus.LeaseInfo::leaseId).containsExactly(next.id());
        assertThat(lease.lost()).as("given back, not lost").isNotDone();
    }

    @Test
    void releaseAfterZeroIsARelease() {
        RedisSlotPool holder = pools.open("p", 1, b -> b);
        RedisSlotPool other = pools.open("p", 1, b -> b);
        Lease lease = granted(holder.acquireBlocking("done", Duration.ZERO));
        holder.releaseAfter(lease, Duration.ZERO).orTimeout(2, TimeUnit.SECONDS).join();
        granted(other.acquireBlocking("next", Duration.ZERO));
    }

    /**
     * The holder's clock jumps past its deadline while Redis is paused: the renewal in flight cannot
     * answer in time, so the holder loses the lease (its query is cancelled, yet may still run). The
     * lease must stay in Redis until its expiry, not be released the moment Redis answers again.
     */
    @Test
    void aLeaseWhoseRenewalsMissTheDeadlineIsNotReleasedByItsHolder() throws Exception {
        Duration ttl = Duration.ofSeconds(3);
        AtomicLong skew = new AtomicLong();
        RedisSlotPool holder = pools.open(SlotPools.fast("p", 1).leaseTtl(ttl).commandTimeout(Duration.ofSeconds(3)).build(),
                new SimpleMeterRegistry(), () -> System.nanoTime() + skew.get());
        RedisSlotPool other = pools.open("p", 1, b -> b.leaseTtl(ttl).commandTimeout(Duration.ofSeconds(3)));
        Lease lease = granted(holder.acquireBlocking("slow query", Duration.ZERO));

        try (RedisClient client = RedisClient.create(redis.uri()); StatefulRedisConnection<String, String> raw = client.connect()) {
            raw.sync().clientPause(1_200);
            long paused = System.nanoTime();
            skew.set(TimeUnit.SECONDS.toNanos(10));   // the next renewal's reply comes too late for the holder
            // The holder reacts the moment it hears of the loss, as the worker does (cancel, then give the slot back):
            // that release must find the lease already lapsing and send nothing.
            CompletableFuture<Void> releasedOnLoss = lease.lost().thenCompose(l -> holder.release(lease));
            LeaseLoss loss = lease.lost().orTimeout(2, TimeUnit.SECONDS).join();
            assertThat(loss.reason()).isEqualTo(LeaseLoss.Reason.DEADLINE_PASSED);
            assertThat(releasedOnLoss).as("a release on the loss: nobody can vouch that its query ended")
                    .succeedsWithin(Duration.ofSeconds(1));
            assertThat(holder.releaseAfter(lease, Duration.ofSeconds(30))).as("a lost lease: nothing to give back")
                    .succeedsWithin(Duration.ofSeconds(1));
            assertThat(holder.release(lease)).as("nor by a release: nobody can vouch that its query ended")
                    .succeedsWithin(Duration.ofSeconds(1));

            Acquisition next = other.acquireBlocking("waiter", Duration.ofSeconds(10));
            long grantedMs = msSince(paused);
            assertThat(next).isInstanceOf(Acquisition.Granted.class);
            // The renewal sent before the loss answers when the pause ends and extends the lease by a TTL.
            assertThat(grantedMs).as("granted only when the lost lease lapsed in Redis")
                    .isGreaterThanOrEqualTo(ttl.toMillis());
        }
    }

    @Test
    void closeDoesNotFreeARetiringLeaseBeforeItsTime() {
        Duration ttl = Duration.ofSeconds(2);
        RedisSlotPool holder = pools.open("p", 1, b -> b.leaseTtl(ttl));
        RedisSlotPool other = pools.open("p", 1, b -> b.leaseTtl(ttl));
        Lease lease = granted(holder.acquireBlocking("cancelled at shutdown", Duration.ZERO));
        holder.releaseAfter(lease, Duration.ofSeconds(30));

        long closed = System.nanoTime();
        holder.close();
        assertThat(other.acquireBlocking("too early", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        PoolStatus status = other.status();
        assertThat(status.inUse()).isEqualTo(1);
        assertThat(status.abandoned()).isEqualTo(1);
        assertThat(status.leases().get(0).expiresIn()).as("renewed once more at close").isGreaterThan(ttl.minusMillis(500));

        assertThat(other.acquireBlocking("after it lapsed", Duration.ofSeconds(10))).isInstanceOf(Acquisition.Granted.class);
        assertThat(msSince(closed)).as("left to lapse a TTL after close, not released").isGreaterThanOrEqualTo(ttl.toMillis() - 100);
    }
}
