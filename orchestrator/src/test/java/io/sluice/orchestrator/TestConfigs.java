package io.sluice.orchestrator;

import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;

import java.util.HashMap;
import java.util.Map;

final class TestConfigs {
    private TestConfigs() {
    }

    /** Defaults plus {@code key, value, key, value...} overrides, as the CLI flags would give them. */
    static SluiceConfig config(String... kv) {
        Map<String, String> overrides = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            overrides.put(kv[i], kv[i + 1]);
        }
        return new ConfigLoader().load(null, Map.of(), overrides);
    }
}
