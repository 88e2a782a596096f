package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.sluice.deploy.DeployFiles.DEPLOY;
import static org.assertj.core.api.Assertions.assertThat;

/** The Grafana dashboard: scoped by namespace and job variables, with percentiles from the histogram buckets. */
class DashboardTest {
    private final JsonNode dash = DeployFiles.json(DEPLOY.resolve("grafana/sluice.json"));

    @Test
    void everyQueryIsScopedByTheNamespaceAndJobVariables() {
        List<String> names = new ArrayList<>();
        dash.at("/templating/list").forEach(v -> names.add(v.path("name").asText()));
        assertThat(names).contains("datasource", "namespace", "job");
        List<String> unscoped = new ArrayList<>();
        for (JsonNode panel : DeployFiles.dashboardPanels(dash)) {
            for (JsonNode t : panel.path("targets")) {
                String expr = t.path("expr").asText();
                for (String metric : DeployFiles.metricNames(expr)) {
                    int at = expr.indexOf(metric) + metric.length();
                    if (!expr.startsWith("{namespace=~\"$namespace\", job=~\"$job\"", at)) {
                        unscoped.add(panel.path("title").asText() + ": " + metric);
                    }
                }
            }
        }
        assertThat(unscoped).as("series not filtered by $namespace and $job").isEmpty();
    }

    @Test
    void slotWaitAndDownstreamLatencyShowP50AndP99FromBuckets() {
        List<String> exprs = new ArrayList<>();
        DeployFiles.dashboardPanels(dash).forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
        for (String metric : List.of("sluice_slots_wait_seconds_bucket", "sluice_downstream_requests_seconds_bucket")) {
            assertThat(exprs).as(metric + " p50").anyMatch(e -> e.startsWith("histogram_quantile(0.5,") && e.contains(metric));
            assertThat(exprs).as(metric + " p99").anyMatch(e -> e.startsWith("histogram_quantile(0.99,") && e.contains(metric));
        }
        assertThat(exprs).anyMatch(e -> e.contains("sluice_slots_acquire_seconds_bucket"));
        assertThat(exprs).as("broker-side lag").anyMatch(e -> e.contains("sluice_worker_group_lag"));
    }
}
