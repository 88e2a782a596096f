package io.sluice.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Readiness and liveness as named checks. {@code /readyz} is true only when every readiness check
 * passes (for a worker: Redis reachable, consumer assigned and polling); {@code /healthz} when every
 * liveness check passes (the poll loop is not stuck).
 */
public final class HealthState {
    private final Map<String, BooleanSupplier> readiness = new ConcurrentHashMap<>();
    private final Map<String, BooleanSupplier> liveness = new ConcurrentHashMap<>();

    public HealthState readiness(String name, BooleanSupplier check) {
        readiness.put(name, check);
        return this;
    }

    public HealthState liveness(String name, BooleanSupplier check) {
        liveness.put(name, check);
        return this;
    }

    public Map<String, Boolean> readinessChecks() {
        return evaluate(readiness);
    }

    public Map<String, Boolean> livenessChecks() {
        return evaluate(liveness);
    }

    public boolean ready() {
        return !readinessChecks().containsValue(false);
    }

    public boolean live() {
        return !livenessChecks().containsValue(false);
    }

    private static Map<String, Boolean> evaluate(Map<String, BooleanSupplier> checks) {
        Map<String, Boolean> out = new java.util.TreeMap<>();
        checks.forEach((name, check) -> {
            boolean ok;
            try {
                ok = check.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            out.put(name, ok);
        });
        return out;
    }
}
