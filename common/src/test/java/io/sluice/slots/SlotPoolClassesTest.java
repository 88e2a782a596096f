package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Classes sharing one exact cap (docs/SLOTS.md, "Declared pools and classes"): the cap holds whatever the
 * classes, an idle class lends every seat, a busy owner gets its seats back at the next releases (nothing
 * revoked), grants are FIFO within a class, and a borrowing limit holds.
 */
class SlotPoolClassesTest extends OwnRedisTest {
    private void declare(String pool, int limit, String... classes) {
        RedisPoolAdmin.apply(redis.uri(), Duration.ofSeconds(2), new PoolDeclaration(pool, limit,
                Stream.of(classes).map(PoolDeclaration.PoolClass::parse).toList()), Duration.ofSeconds(1), true);
    }

    private RedisSlotPool client(String pool, int limit) {
        return pools.open(pool, limit, b -> b.leaseTtl(Duration.ofSeconds(5)).renewEvery(Duration.ofSeconds(1))
                .ticketTtl(Duration.ofSeconds(5)).assumeNewPool(false));
    }

    private static Lease granted(Acquisition a) {
        assertThat(a).isInstanceOf(Acquisition.Granted.class);
        return ((Acquisition.Granted) a).lease();
    }

    private static Lease join(CompletableFuture<Acquisition> f) {
        return granted(f.orTimeout(5, TimeUnit.SECONDS).join());
    }

    @Test
    void theCapIsExactUnderContentionOfTwoClasses() throws Exception {
        declare("cap", 6, "live:4:0%", "backfill:2:100%");
        List<RedisSlotPool> clients = List.of(client("cap", 6), client("cap", 6), client("cap", 6), client("cap", 6));
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        Map<String, AtomicInteger> grants = new ConcurrentHashMap<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                RedisSlotPool pool = clients.get(t % clients.size());
                String cls = t % 2 == 0 ? "live" : "backfill";
                done.add(threads.submit(() -> {
                    while (System.nanoTime() < until) {
                        Lease lease = granted(pool.acquireBlocking("w", cls, Duration.ofSeconds(10)));
                        int now = holding.incrementAndGet();
                        peak.accumulateAndGet(now, Math::max);
                        grants.computeIfAbsent(cls, k -> new AtomicInteger()).incrementAndGet();
                        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 8));   // the workload: a query holding its slot 1-7 ms
                        holding.decrementAndGet();
                        pool.release(lease).join();
                    }
                    return null;
                }));
            }
            for (var f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        System.out.printf("classes cap: peak %d of 6, grants %s%n", peak.get(), grants);
        assertThat(peak.get()).isLessThanOrEqualTo(6);
        assertThat(peak.get()).as("the cap is used").isEqualTo(6);
        assertThat(grants.get("live").get()).as("live, guaranteed 4 of 6, gets the larger part")
                .isGreaterThan(grants.get("backfill").get());
        assertThat(clients.get(0).status().inUse()).isZero();
    }

    @Test
    void anIdleClassLendsAndABusyOwnerGetsItsSeatsBackAtTheNextReleases() {
        declare("lend", 4, "live:3:0%", "backfill:1:100%");
        RedisSlotPool backfill = client("lend", 4);
        RedisSlotPool live = client("lend", 4);
        // Live is idle: the backfill borrows every seat, live's guaranteed ones included.
        List<Lease> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(granted(backfill.acquireBlocking("b" + i, "backfill", Duration.ZERO)));
        }
        assertThat(backfill.acquireBlocking("b4", "backfill", Duration.ZERO)).as("the cap").isInstanceOf(Acquisition.Refused.class);
        // Backfill waiters queue first, live's after them: at each release live still goes first, until it holds its 3.
        CompletableFuture<Acquisition> olderBackfill = backfill.acquire("b-waiting", "backfill", Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(2)).until(() -> live.status().waiters() == 1);
        List<CompletableFuture<Acquisition>> liveWaiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            liveWaiting.add(live.acquire("l" + i, "live", Duration.ofSeconds(10)));
            int waiters = i + 2;
            await().atMost(Duration.ofSeconds(2)).until(() -> live.status().waiters() == waiters);
        }
        for (int i = 0; i < 3; i++) {
            backfill.release(held.get(i)).join();
            join(liveWaiting.get(i));   // FIFO within live
            for (int j = i + 1; j < 3; j++) {
                assertThat(liveWaiting.get(j)).as("live waiter %d after %d releases", j, i + 1).isNotDone();
            }
            assertThat(olderBackfill).as("the older backfill waiter, after %d releases", i + 1).isNotDone();
        }
        assertThat(held.get(3).lost()).as("nothing revoked: the borrowed seat still held runs on").isNotDone();
        assertThat(live.status().inUse()).isEqualTo(4);
        // The fourth release: backfill under its nominal seat again, and nobody of live waits.
        backfill.release(held.get(3)).join();
        join(olderBackfill);
        assertThat(live.status().inUse()).isEqualTo(4);
    }

    @Test
    void grantsAreFifoWithinAClass() {
        declare("fifo", 2, "a:1:0%", "b:1:0%");
        RedisSlotPool one = client("fifo", 2);
        RedisSlotPool two = client("fifo", 2);
        Lease first = granted(one.acquireBlocking("x", "a", Duration.ZERO));
        Lease second = granted(one.acquireBlocking("y", "a", Duration.ZERO));   // borrows b's idle seat
        List<CompletableFuture<Acquisition>> waiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiting.add((i % 2 == 0 ? one : two).acquire("a" + i, "a", Duration.ofSeconds(10)));
            int n = i + 1;
            await().atMost(Duration.ofSeconds(2)).until(() -> one.status().waiters() == n);
        }
        List<Lease> leases = new ArrayList<>(List.of(first, second));
        for (int i = 0; i < 4; i++) {
            (leases.get(i) == first || leases.get(i) == second ? one : (i % 2 == 0 ? one : two)).release(leases.get(i)).join();
            leases.add(join(waiting.get(i)));
            for (int j = i + 1; j < 4; j++) {
                assertThat(waiting.get(j)).as("waiter %d after release %d", j, i + 1).isNotDone();
            }
        }
    }

    @Test
    void aBorrowingLimitHoldsAndLeavesTheRestFree() {
        declare("borrow", 4, "a:2:0%:50%", "b:2:0%");
        RedisSlotPool pool = client("borrow", 4);
        List<Acquisition> tries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tries.add(pool.acquireBlocking("a" + i, "a", Duration.ZERO));
        }
        assertThat(tries).filteredOn(Acquisition::isGranted).as("nominal 2 + 50% of it borrowed").hasSize(3);
        assertThat(pool.acquireBlocking("b0", "b", Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
        assertThat(pool.acquireBlocking("b1", "b", Duration.ZERO)).as("the cap").isInstanceOf(Acquisition.Refused.class);
    }
}
