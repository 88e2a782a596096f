package io.sluice.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.sluice.deploy.DeployFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/** docs/METRICS.md names every meter the code registers, in its Prometheus form; the README points there. */
class MetricsReferenceTest {
    private static final Pattern METER = Pattern.compile("(Timer|Counter|Gauge)\\.builder\\(\"(sluice\\.[a-z_.]+)\"");
    private static final Pattern CONSTANT = Pattern.compile("(?:METRIC|BATCHES_PUBLISHED|RUN_PROGRESS|BACKLOG) = \"(sluice\\.[a-z_.]+)\"");

    @Test
    void everyMeterInTheCodeIsInTheReference() throws Exception {
        Set<String> prometheus = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/")).toList()) {
                String text = Files.readString(f);
                Matcher m = METER.matcher(text);
                while (m.find()) prometheus.add(promName(m.group(1), m.group(2)));
                Matcher c = CONSTANT.matcher(text);
                while (c.find()) {
                    String kind = text.contains("Timer.builder(METRIC)") && c.group().startsWith("METRIC") ? "Timer"
                            : c.group().startsWith("BATCHES_PUBLISHED") ? "Counter" : "Gauge";
                    prometheus.add(promName(kind, c.group(1)));
                }
            }
        }
        assertThat(prometheus).contains("sluice_worker_ready", "sluice_worker_in_flight", "sluice_worker_pauses_total",
                "sluice_downstream_requests_seconds", "sluice_orchestrator_backlog");
        String reference = Files.readString(ROOT.resolve("docs/METRICS.md"));
        assertThat(prometheus).allSatisfy(n -> assertThat(reference).as("docs/METRICS.md").contains("`" + n + "`"));
        assertThat(Files.readString(ROOT.resolve("README.md"))).contains("docs/METRICS.md")
                .contains("sluice_worker_ready", "sluice_worker_in_flight", "sluice_worker_pauses_total");
    }

    private static String promName(String kind, String name) {
        String base = name.replace('.', '_');
        return switch (kind) {
            case "Counter" -> base + "_total";
            case "Timer" -> base + "_seconds";
            default -> base;
        };
    }
}
