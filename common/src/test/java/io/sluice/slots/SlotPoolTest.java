package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool against a real, JVM-shared Redis; each test uses a fresh pool name. */
class SlotPoolTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final SlotPools pools = new SlotPools(SharedServers.redis().uri());
    private final String name = SharedServers.uniqueName("slots");

    @AfterEach
    void closePools() {
        pools.close();
    }

    private RedisSlotPool open(int limit) {
        return pools.open(name, limit, UnaryOperator.identity());
    }

    private static Lease granted(Acquisition a) {
        assertThat(a).isInstanceOf(Acquisition.Granted.class);
        return ((Acquisition.Granted) a).lease();
    }

    private static Lease granted(CompletableFuture<Acquisition> f) {
        return granted(f.join());
    }

    @Test
    void grantsUpToTheLimitThenRefusesAndReleaseFreesASlot() {
        RedisSlotPool pool = open(2);
        Lease a = granted(pool.acquireBlocking("a", Duration.ZERO));
        Lease b = granted(pool.acquireBlocking("b|with|bars", Duration.ZERO));
        Acquisition c = pool.acquireBlocking("c", Duration.ZERO);
        assertThat(c).isInstanceOf(Acquisition.Refused.class);
        assertThat(((Acquisition.Refused) c).reason()).isEqualTo(Acquisition.Refused.Reason.FULL);

        PoolStatus status = pool.status();
        assertThat(status.limit()).isEqualTo(2);
        assertThat(status.inUse()).isEqualTo(2);
        assertThat(status.leases()).extracting(PoolStatus.LeaseInfo::owner).containsExactlyInAnyOrder("a", "b|with|bars");
        assertThat(status.leases()).allSatisfy(l -> assertThat(l.clientId()).isEqualTo(pool.clientId()));
        assertThat(pool.held()).isEqualTo(2);

        pool.release(a).join();
        granted(pool.acquireBlocking("c", Duration.ZERO));
        pool.release(b).join();
        assertThat(pool.status().inUse()).isEqualTo(1);
    }

    @Test
    void safetyUnderStressAcrossThreeClients() throws Exception {
        int limit = 8;
        List<RedisSlotPool> clients = List.of(
                pools.open(name, limit, b -> b.leaseTtl(Duration.ofSeconds(10)).renewEvery(Duration.ofSeconds(3))),
                pools.open(name, limit, b -> b.leaseTtl(Duration.ofSeconds(10)).renewEvery(Duration.ofSeconds(3))),
                pools.open(name, limit, b -> b.leaseTtl(Duration.ofSeconds(10)).renewEvery(Duration.ofSeconds(3))));
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicLong grants = new AtomicLong();
        AtomicLong other = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 3 * 64; t++) {
                RedisSlotPool pool = clients.get(t % 3);
                String owner = "w" + t;
                threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        Acquisition a = pool.acquireBlocking(owner, Duration.ofSeconds(20));
                        if (!(a instanceof Acquisition.Granted g)) {
                            other.incrementAndGet();
                            continue;
                        }
                        int now = holders.incrementAndGet();
                        peak.accumulateAndGet(now, Math::max);
                        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 6));   // the workload: a query holding its slot 1-5 ms, not a wait for a condition
                        holders.decrementAndGet();
                        pool.release(g.lease()).join();
                        grants.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        assertThat(peak.get()).isLessThanOrEqualTo(limit).isGreaterThan(1);
        assertThat(other.get()).as("refusals or failures").isZero();
        assertThat(grants.get()).isGreaterThan(500);
        await().atMost(Duration.ofSeconds(5)).until(() -> clients.get(0).status().inUse() == 0);
        assertThat(clients.get(0).status().waiters()).isZero();
        System.out.printf("stress: %d grants in 3 s across 3 clients x 64 threads, limit %d, peak %d%n",
                grants.get(), limit, peak.get());
    }

    @Test
    void aCrashedHoldersSlotReturnsWithinTheLeaseTtl() {
        RedisSlotPool crashing = open(1);
        RedisSlotPool survivor = open(1);
        granted(crashing.acquireBlocking("doomed", Duration.ZERO));
        long crashedAt = System.nanoTime();
        crashing.closeAbruptly();
        CompletableFuture<Acquisition> waiting = survivor.acquire("next", LONG);
        Lease lease = granted(waiting.orTimeout(3, TimeUnit.SECONDS));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
        // lease-ttl 1 s, plus at most one fallback-wake (300 ms) for the waiter to notice
        assertThat(waitedMs).isLessThan(1_000 + 300 + 400);
        survivor.release(lease).join();
    }

    @Test
    void aRenewingHolderKeepsItsSlotPastSeveralTtls() {
        RedisSlotPool holder = open(1);
        RedisSlotPool other = open(1);
        Lease lease = granted(holder.acquireBlocking("long-query", Duration.ZERO));
        await().during(Duration.ofMillis(3_500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> other.acquireBlocking("intruder", Duration.ZERO) instanceof Acquisition.Refused);
        assertThat(lease.lost()).isNotDone();
        assertThat(holder.status().leases()).extracting(PoolStatus.LeaseInfo::leaseId).containsExactly(lease.id());
        assertThat(lease.expiresAt()).isAfter(java.time.Instant.now().plusMillis(500));
        holder.release(lease).join();
        granted(other.acquireBlocking("intruder", Duration.ZERO));
    }

    @Test
    void waitersAreServedFirstComeFirstServedAcrossClients() {
        RedisSlotPool a = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(5)));
        RedisSlotPool b = pools.open(name, 1, c -> c.fallbackWake(Duration.ofSeconds(5)));
        RedisSlotPool c = pools.open(name, 1, d -> d.fallbackWake(Duration.ofSeconds(5)));
        Lease first = granted(a.acquireBlocking("holder", Duration.ZERO));
        List<CompletableFuture<Acquisition>> queue = new ArrayList<>();
        RedisSlotPool[] order = {b, c, a, b, c};
        for (int i = 0; i < order.length; i++) {
            queue.add(order[i].acquire("waiter-" + i, LONG));
            int expected = i + 1;
            await().atMost(Duration.ofSeconds(2)).until(() -> a.status().waiters() == expected);
        }
        RedisSlotPool releaser = a;
        Lease current = first;
        for (int i = 0; i < queue.size(); i++) {
            releaser.release(current).join();
            current = granted(queue.get(i).orTimeout(2, TimeUnit.SECONDS));
            assertThat(current.owner()).isEqualTo("waiter-" + i);
            for (int later = i + 1; later < queue.size(); later++) {
                assertThat(queue.get(later)).as("waiter-" + later + " after waiter-" + i).isNotDone();
            }
            releaser = order[i];
        }
        releaser.release(current).join();
    }

    @Test
    void loweringTheLimitGrantsNothingUntilUsageFallsBelowIt() {
        RedisSlotPool pool = pools.open(name, 3, b -> b.fallbackWake(Duration.ofMillis(100)));
        Lease l1 = granted(pool.acquireBlocking("l1", Duration.ZERO));
        Lease l2 = granted(pool.acquireBlocking("l2", Duration.ZERO));
        Lease l3 = granted(pool.acquireBlocking("l3", Duration.ZERO));
        assertThat(pool.setLimit(1)).isEqualTo(3);
        assertThat(pool.status().limit()).isEqualTo(1);
        assertThat(pool.status().inUse()).as("lowering revokes nothing").isEqualTo(3);
        CompletableFuture<Acquisition> waiter = pool.acquire("w", LONG);

        pool.release(l1).join();
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(1)).until(() -> !waiter.isDone());
        pool.release(l2).join();
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(1)).until(() -> !waiter.isDone());
        assertThat(pool.status().inUse()).isEqualTo(1);
        pool.release(l3).join();
        Lease w = granted(waiter.orTimeout(2, TimeUnit.SECONDS));
        assertThat(pool.status().inUse()).isEqualTo(1);
        pool.release(w).join();
    }

    @Test
    void raisingTheLimitWakesWaitersWithoutTheFallbackTimer() {
        RedisSlotPool pool = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        RedisSlotPool admin = open(1);
        Lease held = granted(pool.acquireBlocking("held", Duration.ZERO));
        CompletableFuture<Acquisition> w1 = pool.acquire("w1", LONG);
        CompletableFuture<Acquisition> w2 = pool.acquire("w2", LONG);
        await().atMost(Duration.ofSeconds(2)).until(() -> admin.status().waiters() == 2);
        long raisedAt = System.nanoTime();
        assertThat(admin.setLimit(3)).isEqualTo(1);
        Lease l1 = granted(w1.orTimeout(2, TimeUnit.SECONDS));
        Lease l2 = granted(w2.orTimeout(2, TimeUnit.SECONDS));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - raisedAt)).isLessThan(500);
        assertThat(admin.status().inUse()).isEqualTo(3);
        pool.release(held).join();
        pool.release(l1).join();
        pool.release(l2).join();
    }

    @Test
    void releaseHandsTheSlotToAWaiterWithinMilliseconds() {
        RedisSlotPool holderSide = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        RedisSlotPool waiterSide = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        Lease lease = granted(holderSide.acquireBlocking("h", Duration.ZERO));
        long worstMicros = 0;
        for (int i = 0; i < 20; i++) {
            CompletableFuture<Acquisition> waiting = waiterSide.acquire("w" + i, LONG);
            await().atMost(Duration.ofSeconds(2)).until(() -> holderSide.status().waiters() == 1);
            long releasedAt = System.nanoTime();
            holderSide.release(lease);
            Lease next = granted(waiting.orTimeout(2, TimeUnit.SECONDS));
            worstMicros = Math.max(worstMicros, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - releasedAt));
            waiterSide.release(next).join();
            lease = granted(holderSide.acquireBlocking("h", Duration.ZERO));
        }
        System.out.printf("hand-off: worst of 20 release->grant %d us%n", worstMicros);
        assertThat(worstMicros).isLessThan(200_000);
        holderSide.release(lease).join();
    }

    @Test
    void aDeadWaitersTicketDoesNotBlockTheQueue() {
        RedisSlotPool holder = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        RedisSlotPool dying = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        RedisSlotPool patient = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        Lease lease = granted(holder.acquireBlocking("h", Duration.ZERO));
        dying.acquire("ghost", LONG);
        await().atMost(Duration.ofSeconds(2)).until(() -> holder.status().waiters() == 1);
        CompletableFuture<Acquisition> alive = patient.acquire("alive", LONG);
        await().atMost(Duration.ofSeconds(2)).until(() -> holder.status().waiters() == 2);
        dying.closeAbruptly();
        // Past the ticket ttl (1 s) the dead client's ticket is skipped at hand-off.
        await().pollDelay(Duration.ofMillis(1_200)).atMost(Duration.ofSeconds(2)).until(() -> true);
        holder.release(lease).join();
        Lease next = granted(alive.orTimeout(1, TimeUnit.SECONDS));
        assertThat(next.owner()).isEqualTo("alive");
        assertThat(holder.status().inUse()).as("no slot went to the dead client").isEqualTo(1);
    }

    @Test
    void aWaiterThatDiedMomentsAgoIsSkippedBecauseNobodyListensForItsGrant() {
        RedisSlotPool holder = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)).ticketTtl(Duration.ofSeconds(30)));
        RedisSlotPool dying = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)).ticketTtl(Duration.ofSeconds(30)));
        RedisSlotPool patient = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)).ticketTtl(Duration.ofSeconds(30)));
        Lease lease = granted(holder.acquireBlocking("h", Duration.ZERO));
        dying.acquire("ghost-1", LONG);
        dying.acquire("ghost-2", LONG);
        await().atMost(Duration.ofSeconds(2)).until(() -> holder.status().waiters() == 2);
        CompletableFuture<Acquisition> alive = patient.acquire("alive", LONG);
        await().atMost(Duration.ofSeconds(2)).until(() -> holder.status().waiters() == 3);
        dying.closeAbruptly(); // its heartbeat is still valid for 30 s, but its subscription is gone
        await().atMost(Duration.ofSeconds(2)).until(() -> holder.status().waiters() == 3);
        holder.release(lease).join();
        Lease next = granted(alive.orTimeout(1, TimeUnit.SECONDS));
        assertThat(next.owner()).isEqualTo("alive");
        PoolStatus status = holder.status();
        assertThat(status.inUse()).isEqualTo(1);
        assertThat(status.waiters()).isZero();
    }

    @Test
    void aHalfOpenDeadClientsTicketIsDroppedWithItsEntryAndNeverGranted() throws Exception {
        // A client that died without closing its sockets: Redis still counts its subscription as a
        // receiver, so only its lapsed heartbeat shows it is dead. The hand-off path does not check
        // liveness: the heartbeat that drops the client's entry drops its tickets with it.
        RedisSlotPool holder = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        RedisSlotPool patient = pools.open(name, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
        Lease lease = granted(holder.acquireBlocking("h", Duration.ZERO));
        String prefix = "sluice:{" + name + "}:";
        RedisClient raw = RedisClient.create(SharedServers.redis().uri());
        try (StatefulRedisConnection<String, String> cmd = raw.connect();
             StatefulRedisPubSubConnection<String, String> sub = raw.connectPubSub()) {
            List<String> published = new CopyOnWriteArrayList<>();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    published.add(message);
                }
            });
            sub.sync().subscribe(prefix + "grants:zombie");
            long nowMs = Long.parseLong(cmd.sync().time().getFirst()) * 1000;
            cmd.sync().zadd(prefix + "clients", nowMs + 300, "zombie"); // its last heartbeat, lapsing in 300 ms
            cmd.sync().zadd(prefix + "queue", 1, "ghost|zombie|1|" + nowMs + "|30000"); // at the head
            CompletableFuture<Acquisition> alive = patient.acquire("alive", LONG);
            await().atMost(Duration.ofSeconds(2)).until(() -> holder.status().waiters() == 2);
            // The holder's and patient's heartbeats (every ticket-ttl / 3) find the zombie's entry lapsed.
            await().atMost(Duration.ofSeconds(3)).until(() -> cmd.sync().zscore(prefix + "clients", "zombie") == null);
            holder.release(lease).join();
            assertThat(granted(alive.orTimeout(2, TimeUnit.SECONDS)).owner()).isEqualTo("alive");
            assertThat(published).as("no grant went to the dead client").isEmpty();
            PoolStatus status = holder.status();
            assertThat(status.waiters()).as("its ticket is gone too").isZero();
            assertThat(status.leases()).extracting(PoolStatus.LeaseInfo::owner).containsExactly("alive");
        } finally {
            raw.shutdown();
        }
    }

    @Test
    void aWaiterThatTimesOutLeavesTheQueue() {
        RedisSlotPool pool = open(1);
        Lease lease = granted(pool.acquireBlocking("h", Duration.ZERO));
        Acquisition a = pool.acquireBlocking("impatient", Duration.ofMillis(200));
        assertThat(a).isInstanceOf(Acquisition.Refused.class);
        assertThat(((Acquisition.Refused) a).reason()).isEqualTo(Acquisition.Refused.Reason.WAIT_TIMED_OUT);
        await().atMost(Duration.ofSeconds(1)).until(() -> pool.status().waiters() == 0);
        CompletableFuture<Acquisition> cancelled = pool.acquire("cancelled", LONG);
        await().atMost(Duration.ofSeconds(1)).until(() -> pool.status().waiters() == 1);
        cancelled.cancel(false);
        await().atMost(Duration.ofSeconds(1)).until(() -> pool.status().waiters() == 0);
        pool.release(lease).join();
        await().atMost(Duration.ofSeconds(1)).until(() -> pool.status().inUse() == 0);
    }

    @Test
    void reapRemovesExpiredLeasesAndCloseReleasesHeldOnes() {
        RedisSlotPool crashing = open(2);
        // A long ticket ttl spaces this client's heartbeats, which would purge the expired lease first.
        RedisSlotPool pool = pools.open(name, 2, b -> b.ticketTtl(Duration.ofSeconds(60)));
        granted(crashing.acquireBlocking("doomed", Duration.ZERO));
        crashing.closeAbruptly();
        granted(pool.acquireBlocking("kept", Duration.ZERO));
        await().atMost(Duration.ofSeconds(3)).until(() -> pool.status().inUse() == 1);
        assertThat(pool.reap()).isEqualTo(1);
        pool.close();
        RedisSlotPool after = open(2);
        assertThat(after.status().inUse()).isZero();
    }
}
