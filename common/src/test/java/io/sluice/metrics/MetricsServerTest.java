package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesPrometheusTextAndHealthThatFollowsTheChecks() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("sluice.worker.orgs").tag("outcome", "projected").register(registry).increment(3);
        AtomicBoolean redisUp = new AtomicBoolean(true);
        HealthState health = new HealthState().readiness("slot-pool", redisUp::get).liveness("poll-loop", () -> true);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, health)) {
            HttpResponse<String> metrics = get(server.port(), "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            assertThat(metrics.body()).contains("sluice_worker_orgs_total{outcome=\"projected\"} 3.0");

            assertThat(get(server.port(), "/readyz").statusCode()).isEqualTo(200);
            redisUp.set(false);
            HttpResponse<String> notReady = get(server.port(), "/readyz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("[-] slot-pool");
            assertThat(get(server.port(), "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(server.port(), "/nope").statusCode()).isEqualTo(404);
        }
    }
}
