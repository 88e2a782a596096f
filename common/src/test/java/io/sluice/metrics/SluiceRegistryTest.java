package io.sluice.metrics;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceRegistryTest {
    @Test
    void latencyTimersPublishBucketsForP99AndOthersDoNot() {
        PrometheusMeterRegistry registry = SluiceRegistry.create();
        Timer.builder("sluice.slots.wait").tag("pool", "p").register(registry).record(Duration.ofMillis(40));
        Timer.builder("sluice.slots.acquire").tag("pool", "p").tag("outcome", "granted").register(registry).record(Duration.ofMillis(2));
        Timer.builder("sluice.downstream.requests").tag("status", "200").register(registry).record(Duration.ofMillis(800));
        Timer.builder("sluice.other").register(registry).record(Duration.ofMillis(1));
        String text = registry.scrape();
        assertThat(text).contains("sluice_slots_wait_seconds_bucket{pool=\"p\",le=\"0.044739241\"} 1",
                "sluice_slots_acquire_seconds_bucket{", "sluice_downstream_requests_seconds_bucket{",
                "sluice_slots_wait_seconds_bucket{pool=\"p\",le=\"+Inf\"} 1");
        assertThat(text).doesNotContain("sluice_other_seconds_bucket");
        // The top finite bucket reaches the 10-minute maximum: a long wait is still inside a bucket.
        assertThat(text).containsPattern("sluice_slots_wait_seconds_bucket\\{pool=\"p\",le=\"(6[0-9]{2}|[7-9][0-9]{2})\\.[0-9]+\"}");
    }
}
