package io.sluice.orchestrator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The orchestrator's meters (DESIGN section 9); one instance per registry (the gauge keeps the first). */
public final class OrchestratorMetrics {
    public static final String BATCHES_PUBLISHED = "sluice.orchestrator.batches.published";
    public static final String RUN_PROGRESS = "sluice.orchestrator.run.progress";
    public static final String BACKLOG = "sluice.orchestrator.backlog";
    private final Counter published;
    private volatile double progress;
    private volatile java.util.function.LongSupplier backlog = () -> -1;

    public OrchestratorMetrics(MeterRegistry registry) {
        published = Counter.builder(BATCHES_PUBLISHED)
                .description("Batches acknowledged by the broker")
                .register(registry);
        Gauge.builder(RUN_PROGRESS, this, m -> m.progress)
                .description("Share of the run's batches acknowledged, 0..1")
                .register(registry);
        Gauge.builder(BACKLOG, this, m -> m.backlog.getAsLong())
                .description("Published orgs not yet finished by the workers, as last measured (-1: not measured)")
                .baseUnit("orgs")
                .register(registry);
    }

    void backlog(java.util.function.LongSupplier source) {
        backlog = source;
    }

    void published(long acked, long total) {
        published.increment();
        progress(acked, total);
    }

    void progress(long acked, long total) {
        progress = total == 0 ? 1.0 : (double) acked / total;
    }
}
