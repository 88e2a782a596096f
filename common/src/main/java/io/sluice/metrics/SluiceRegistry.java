package io.sluice.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Set;

/**
 * The registry a Sluice process exports at /metrics. The latency timers an on-call engineer asks
 * percentiles of (slot wait, per class too, acquire, downstream requests) publish Prometheus histogram buckets, so
 * p50/p99 come from {@code histogram_quantile} across pods; the other timers stay count/sum/max.
 */
public final class SluiceRegistry {
    /** Timers that get {@code _bucket} series. */
    public static final Set<String> HISTOGRAMS = Set.of("sluice.slots.wait", "sluice.slots.class.wait", "sluice.slots.acquire",
            "sluice.downstream.requests");
    /** Bucket range: a grant on loopback takes well under a millisecond; a saturated pool can make an org wait minutes. */
    static final Duration MIN = Duration.ofMillis(1);
    static final Duration MAX = Duration.ofMinutes(10);

    private SluiceRegistry() {
    }

    public static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(histograms());
        return registry;
    }

    static MeterFilter histograms() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER || !HISTOGRAMS.contains(id.getName())) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                        .percentilesHistogram(true)
                        .minimumExpectedValue((double) MIN.toNanos())
                        .maximumExpectedValue((double) MAX.toNanos())
                        .build().merge(config);
            }
        };
    }
}
