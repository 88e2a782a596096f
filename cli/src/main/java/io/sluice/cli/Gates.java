package io.sluice.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.config.SluiceConfig;
import io.sluice.worker.gate.OpenGate;
import io.sluice.worker.gate.PoolGate;
import io.sluice.worker.gate.SlotGate;

/** Opens the gate the config asks for: the Redis slot pool, or none with {@code slots.enabled: false}. */
final class Gates {
    private Gates() {
    }

    static SlotGate open(SluiceConfig cfg, String clientName, MeterRegistry registry) {
        if (!cfg.slots().enabled()) {
            return new OpenGate();
        }
        return new PoolGate(Pools.open(cfg, clientName, registry));
    }
}
