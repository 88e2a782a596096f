package io.sluice.orchestrator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The orchestrator's meters (DESIGN section 9); one instance per registry (the gauge keeps the first). */
public final class OrchestratorMetrics {
    public static final String BATCHES_PUBLISHED = "sluice.orchestrator.batches.published";
    public static final String RUN_PROGRESS = "sluice.orchestrator.run.progress";
    private final Counter published;
    private volatile double progress;

    public OrchestratorMetrics(MeterRegistry registry) {
        published = Counter.builder(BATCHES_PUBLISHED)
                .description("Batches acknowledged by the broker")
                .register(registry);
        Gauge.builder(RUN_PROGRESS, this, m -> m.progress)
                .description("Share of the run's batches acknowledged, 0..1")
                .register(registry);
    }

    void published(long acked, long total) {
        published.increment();
        progress(acked, total);
    }

    void progress(long acked, long total) {
        progress = total == 0 ? 1.0 : (double) acked / total;
    }
}
