package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A queue that scales (issue 13): many waiters spread over several clients, like a fleet of pods.
 * Tickets wait as long as their client lives (no fixed wait), the fallback re-check costs Redis
 * per client rather than per waiter, and first-come-first-served holds across clients.
 */
class SlotPoolQueueTest {
    private static final int CLIENTS = 4;
    private static final int PER_CLIENT = 50;

    @Test
    void manyWaitersAcrossClientsKeepTheirPlaceCostRedisPerClientAndAreServedInArrivalOrder() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start();
             SlotPools pools = new SlotPools(redis.uri())) {
            RedisClient rawClient = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> raw = rawClient.connect()) {
                // Short ticket and lease TTLs, so a fixed wait or an expiring ticket would show within the test.
                RedisSlotPool holder = pools.open("q", 1, b -> b.fallbackWake(Duration.ofMillis(200)));
                Lease held = ((Acquisition.Granted) holder.acquireBlocking("holder", Duration.ZERO)).lease();
                List<RedisSlotPool> clients = new ArrayList<>();
                List<SimpleMeterRegistry> registries = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    registries.add(registry);
                    clients.add(RedisSlotPool.connect(redis.uri(), SlotPools.fast("q", 1)
                            .fallbackWake(Duration.ofMillis(200)).build(), registry));
                }
                List<String> grantOrder = Collections.synchronizedList(new ArrayList<>());
                Map<String, CompletableFuture<Acquisition>> waiting = new ConcurrentHashMap<>();
                for (int i = 0; i < PER_CLIENT; i++) {
                    for (int c = 0; c < CLIENTS; c++) {
                        String owner = "c" + c + "-w" + i;
                        RedisSlotPool pool = clients.get(c);
                        CompletableFuture<Acquisition> f = pool.acquire(owner, SlotPool.UNTIL_GRANTED);
                        waiting.put(owner, f);
                        // Each grant is released at once, handing the slot to the next ticket in line.
                        f.thenAccept(a -> {
                            if (a instanceof Acquisition.Granted g) {
                                grantOrder.add(owner);
                                pool.release(g.lease());
                            }
                        });
                    }
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> holder.status().waiters() == CLIENTS * PER_CLIENT);
                List<String> arrival = raw.sync().zrange("sluice:{q}:queue", 0, -1).stream()
                        .map(t -> t.substring(0, t.indexOf('|'))).toList();

                // Two seconds of waiting: twice the ticket TTL and the lease TTL of these clients.
                long before = scriptCalls(raw);
                long t0 = System.nanoTime();
                await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
                long calls = scriptCalls(raw) - before;
                double seconds = (System.nanoTime() - t0) / 1e9;
                double perWaiterFloor = CLIENTS * PER_CLIENT * seconds / 0.2;   // one re-check per waiter per fallback-wake
                System.out.printf("queue: %d script calls in %.1f s with %d waiters on %d clients (per-waiter re-checks alone: %.0f)%n",
                        calls, seconds, CLIENTS * PER_CLIENT, CLIENTS, perWaiterFloor);
                assertThat((double) calls).as("Redis load grows with clients, not with waiters").isLessThan(perWaiterFloor / 10);
                assertThat(waiting.values()).as("no ticket expired while its client lives").noneMatch(CompletableFuture::isDone);

                holder.release(held);
                await().atMost(Duration.ofSeconds(30)).until(() -> grantOrder.size() == CLIENTS * PER_CLIENT);
                assertThat(grantOrder).as("first come, first served across clients").containsExactlyElementsOf(arrival);
                for (SimpleMeterRegistry registry : registries) {
                    assertThat(registry.counter("sluice.slots.tickets.requeued", "pool", "q").count())
                            .as("no live client's ticket was lost and re-queued").isZero();
                }
                clients.forEach(RedisSlotPool::close);
            } finally {
                rawClient.shutdown();
            }
        }
    }

    private static long scriptCalls(StatefulRedisConnection<String, String> raw) {
        String stats = raw.sync().info("commandstats");
        return stats.lines().filter(l -> l.startsWith("cmdstat_evalsha:") || l.startsWith("cmdstat_eval:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("^cmdstat_\\w+:calls=(\\d+),.*", "$1"))).sum();
    }

    @Test
    void whileHandOffsFlowTheFallbackReCheckWaitsForTheHeartbeatPeriodAndAQuietChannelIsReCheckedEveryTick() throws Exception {
        try (SlotPools pools = new SlotPools(SharedServers.redis().uri())) {
            // Busy: two callers of one client take turns on a pool of 1, so the one waiting is handed the
            // slot by the other's release every ~20 ms: hand-offs flow on this client's channel.
            SimpleMeterRegistry busyMeters = new SimpleMeterRegistry();
            RedisSlotPool busy = pools.open(SlotPools.fast(SharedServers.uniqueName("busy"), 1)
                    .fallbackWake(Duration.ofMillis(100)).ticketTtl(Duration.ofSeconds(6)).build(), busyMeters, System::nanoTime);
            // Quiet: one waiter behind a holder that keeps its slot: nothing comes on its channel.
            String quietName = SharedServers.uniqueName("quiet");
            RedisSlotPool holder = pools.open(quietName, 1, b -> b.fallbackWake(Duration.ofSeconds(10)));
            Lease held = ((Acquisition.Granted) holder.acquireBlocking("holder", Duration.ZERO)).lease();
            SimpleMeterRegistry quietMeters = new SimpleMeterRegistry();
            RedisSlotPool quiet = pools.open(SlotPools.fast(quietName, 1)
                    .fallbackWake(Duration.ofMillis(100)).ticketTtl(Duration.ofSeconds(6)).build(), quietMeters, System::nanoTime);
            CompletableFuture<Acquisition> waiting = quiet.acquire("waits", Duration.ofSeconds(30));

            AtomicInteger handOffs = new AtomicInteger();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < 2; c++) {
                    callers.submit(() -> {
                        while (System.nanoTime() < end) {
                            Lease lease = ((Acquisition.Granted) busy.acquireBlocking("turn", Duration.ofSeconds(10))).lease();
                            // Hold the slot until the other caller waits for it, so that every release is a hand-off.
                            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(5))
                                    .until(() -> System.nanoTime() >= end || busy.status().waiters() >= 1);
                            busy.release(lease).join();
                            handOffs.incrementAndGet();
                        }
                        return null;
                    });
                }
            }
            assertThat(handOffs.get()).as("turns taken").isGreaterThan(30);
            // Without the gate: one re-check of the waiting caller every 100 ms tick, ~14 in 1.5 s.
            assertThat(busyMeters.counter("sluice.slots.tickets.rechecked", "pool", busy.config().pool()).count())
                    .as("re-checks while hand-offs flow (at most one per ticket-ttl / 3 = 2 s)").isLessThanOrEqualTo(2);
            assertThat(quietMeters.counter("sluice.slots.tickets.rechecked", "pool", quietName).count())
                    .as("re-checks of a waiter on a quiet channel (a tick every 100 ms)").isGreaterThanOrEqualTo(8);
            assertThat(waiting).isNotDone();
            holder.release(held).join();
            assertThat(waiting.get(2, TimeUnit.SECONDS)).isInstanceOf(Acquisition.Granted.class);
        }
    }
}
