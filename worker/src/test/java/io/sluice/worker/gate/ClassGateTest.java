package io.sluice.worker.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.SlotPool;
import io.sluice.slots.internal.RedisPoolAdmin;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The worker's gate takes its slots in a class of the pool: the batch's class when it names one, else
 * {@code slots.class}; a {@code slots.class} the pool does not declare is a configuration error (exit 2).
 */
class ClassGateTest {
    private static SluiceConfig config(String pool, String slotClass) {
        return new ConfigLoader().load(null, Map.of(), Map.of("redis.uri", SharedServers.redis().uri(), "slots.pool", pool,
                "slots.class", slotClass));
    }

    private static String declare(int limit, String... classes) {
        String pool = SharedServers.uniqueName("classgate");
        RedisPoolAdmin.apply(SharedServers.redis().uri(), Duration.ofSeconds(2), new PoolDeclaration(pool, limit,
                java.util.Arrays.stream(classes).map(PoolDeclaration.PoolClass::parse).toList()), Duration.ofSeconds(30), true);
        return pool;
    }

    @Test
    void theBatchsClassWinsOverTheWorkersAndTheWorkersIsTheDefault() {
        String pool = declare(2, "live:1:0%:0%", "backfill:1:0%:0%");   // no borrowing: each class holds one seat at most
        try (SlotGate gate = Gates.open(config(pool, "backfill"), "w", new SimpleMeterRegistry());
             SlotPool observer = Gates.pool(config(pool, "default"), "o", new SimpleMeterRegistry())) {
            assertThat(gate.acquire("org-1", Duration.ZERO).join()).as("slots.class backfill").isInstanceOf(SlotGate.Granted.class);
            assertThat(gate.acquire("org-2", Duration.ZERO).join()).as("backfill is full").isInstanceOf(SlotGate.Refused.class);
            assertThat(gate.acquire("org-3", "live", Duration.ZERO).join()).as("the batch names live")
                    .isInstanceOf(SlotGate.Granted.class);
            assertThat(observer.status().leases()).extracting(l -> l.owner())
                    .containsExactlyInAnyOrder("@backfill/org-1", "@live/org-3");
        }
    }

    @Test
    void aSlotClassThePoolDoesNotDeclareIsAConfigError() {
        String pool = declare(2, "live:1", "backfill:1");
        assertThatThrownBy(() -> Gates.open(config(pool, "bakfill"), "w", new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("slots.class bakfill is not a class of pool " + pool + "; valid: default, live, backfill");
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of(), Map.of("slots.class", "back fill")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slots.class 'back fill'");
    }
}
