package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-class meters (docs/METRICS.md, {@code sluice_slots_class_*}): seats in use, borrowed, lent and
 * waiting as Redis has them, read by the heartbeat, and each class' own wait histogram.
 */
class SlotPoolClassMetricsTest extends OwnRedisTest {
    private double gauge(SimpleMeterRegistry registry, String name, String cls) {
        Gauge g = registry.find(name).tag("pool", "m").tag("class", cls).gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Test
    void aBorrowingClassAndAWaitingOwnerShowInTheClassMeters() {
        RedisPoolAdmin.apply(redis.uri(), Duration.ofSeconds(2), new PoolDeclaration("m", 4,
                Stream.of("live:3:0%", "backfill:1:100%").map(PoolDeclaration.PoolClass::parse).toList()),
                Duration.ofSeconds(1), true);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisSlotPool pool = pools.open(SlotPools.fast("m", 4).leaseTtl(Duration.ofSeconds(5)).renewEvery(Duration.ofSeconds(1))
                .ticketTtl(Duration.ofSeconds(3)).assumeNewPool(false).build(), registry, System::nanoTime);
        // The backfill borrows every idle live seat; then live work arrives and waits.
        List<Lease> backfill = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Acquisition a = pool.acquireBlocking("b" + i, "backfill", Duration.ofSeconds(5));
            assertThat(a).isInstanceOf(Acquisition.Granted.class);
            backfill.add(((Acquisition.Granted) a).lease());
        }
        List<CompletableFuture<Acquisition>> live = List.of(pool.acquire("l0", "live", Duration.ofSeconds(20)),
                pool.acquire("l1", "live", Duration.ofSeconds(20)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(gauge(registry, "sluice.slots.class.in_use", "backfill")).isEqualTo(4);
            assertThat(gauge(registry, "sluice.slots.class.borrowed", "backfill")).isEqualTo(3);
            assertThat(gauge(registry, "sluice.slots.class.lent", "backfill")).isEqualTo(0);
            assertThat(gauge(registry, "sluice.slots.class.waiting", "backfill")).isEqualTo(0);
            assertThat(gauge(registry, "sluice.slots.class.in_use", "live")).isEqualTo(0);
            assertThat(gauge(registry, "sluice.slots.class.lent", "live")).isEqualTo(3);
            assertThat(gauge(registry, "sluice.slots.class.waiting", "live")).isEqualTo(2);
            assertThat(gauge(registry, "sluice.slots.class.guaranteed", "live")).isEqualTo(3);
            assertThat(gauge(registry, "sluice.slots.class.nominal", "backfill")).isEqualTo(1);
        });
        // Two backfill releases hand their seats to live: nothing waits, nothing is borrowed any more but 1.
        pool.release(backfill.get(0)).join();
        pool.release(backfill.get(1)).join();
        for (CompletableFuture<Acquisition> f : live) {
            assertThat(f.orTimeout(10, TimeUnit.SECONDS).join()).isInstanceOf(Acquisition.Granted.class);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(gauge(registry, "sluice.slots.class.in_use", "live")).isEqualTo(2);
            assertThat(gauge(registry, "sluice.slots.class.waiting", "live")).isEqualTo(0);
            assertThat(gauge(registry, "sluice.slots.class.borrowed", "backfill")).isEqualTo(1);
            assertThat(gauge(registry, "sluice.slots.class.lent", "live")).isEqualTo(1);
        });
        assertThat(registry.find("sluice.slots.class.wait").tag("pool", "m").tag("class", "live").timer().count()).isEqualTo(2);
        assertThat(registry.find("sluice.slots.class.wait").tag("class", "backfill").timer().count()).as("backfill never waited").isZero();
    }
}
