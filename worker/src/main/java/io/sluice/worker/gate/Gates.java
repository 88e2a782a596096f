package io.sluice.worker.gate;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.slots.PoolDeclaration;
import java.util.List;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisSlotPool;

/** Opens the gate the config asks for: the Redis slot pool, or none with {@code slots.enabled: false}. */
public final class Gates {
    /** One fleet-wide controller step per second (docs/SLOTS.md "Adaptive limit"). */
    static final java.time.Duration ADAPTIVE_STEP = java.time.Duration.ofSeconds(1);

    private Gates() {
    }

    public static SlotGate open(SluiceConfig cfg, String clientName, MeterRegistry registry) {
        if (!cfg.slots().enabled()) {
            return new OpenGate();
        }
        SlotPool pool = pool(cfg, clientName, registry);
        String slotClass = cfg.slots().slotClass();
        if (slotClass != null && pool instanceof RedisSlotPool redis) {
            List<String> declared = PoolDeclaration.decode(cfg.slots().pool(), redis.declaration()).classes().stream()
                    .map(PoolDeclaration.PoolClass::name).toList();
            if (!declared.contains(slotClass)) {
                pool.close();
                throw new ConfigException("slots.class", "slots.class " + slotClass + " is not a class of pool " + cfg.slots().pool()
                        + "; valid: " + (declared.isEmpty() ? "default (the pool declares no classes)" : "default, " + String.join(", ", declared)));
            }
        }
        return new PoolGate(pool, slotClass);
    }

    public static SlotPool pool(SluiceConfig cfg, String clientName, MeterRegistry registry) {
        SluiceConfig.Slots s = cfg.slots();
        SlotPoolConfig poolConfig = SlotPoolConfig.builder(s.pool()).limit(s.limit()).leaseTtl(s.leaseTtl())
                .renewEvery(s.renewEvery()).commandTimeout(cfg.redis().timeout()).assumeNewPool(s.assumeNewPool())
                .adaptive(s.adaptive() ? new SlotPoolConfig.Adaptive(s.minLimit(), s.maxLimit(), ADAPTIVE_STEP) : null).build();
        return RedisSlotPool.connect(cfg.redis().uri(), poolConfig, registry);
    }
}
