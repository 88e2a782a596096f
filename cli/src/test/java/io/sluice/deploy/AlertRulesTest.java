package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.sluice.deploy.DeployFiles.DEPLOY;
import static io.sluice.deploy.DeployFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules: valid for Prometheus and behaving as their unit tests say ({@code promtool}), each
 * with a severity and a runbook section, and the PrometheusRule for operator stacks equal to rules.yaml.
 */
class AlertRulesTest {
    private static final Path RULES = DEPLOY.resolve("prometheus/rules.yaml");

    @Test
    void promtoolChecksAndUnitTestsTheRules() throws Exception {
        Assumptions.assumeTrue(onPath("promtool"), "promtool is not on PATH (Debian package `prometheus`; .ci/run installs it when missing)");
        assertThat(promtool("check", "rules", RULES.toString())).contains("SUCCESS");
        assertThat(promtool("test", "rules", DEPLOY.resolve("prometheus/rules.test.yaml").toString())).contains("SUCCESS");
    }

    @Test
    void everyAlertHasASeverityAndARunbookSection() throws Exception {
        Set<String> anchors = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("docs/RUNBOOK.md"))) {
            if (line.startsWith("#")) anchors.add(anchor(line.replaceFirst("^#+\\s*", "")));
        }
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : DeployFiles.yaml(RULES).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                alerts.add(name);
                assertThat(rule.at("/labels/severity").asText()).as(name).isIn("info", "warning", "critical");
                String url = rule.at("/annotations/runbook_url").asText();
                assertThat(url).as("%s runbook_url", name).matches("https://\\S+/docs/RUNBOOK\\.md#[a-z0-9-]+");
                assertThat(anchors).as("%s: docs/RUNBOOK.md has a section for %s", name, url).contains(url.substring(url.indexOf('#') + 1));
            }
        }
        assertThat(alerts).contains("SluiceStalled", "SluiceWorkersUnavailable", "SluiceTargetDown", "SluiceOrchestratorRunNotFinished");
        assertThat(severity("SluiceSlotPoolSaturated")).as("a full pool is every large run's normal state: not a page").isEqualTo("info");
    }

    @Test
    void thePrometheusRuleCarriesExactlyTheRuleFilesGroups() {
        JsonNode pr = DeployFiles.yaml(DeployFiles.K8S.resolve("monitoring/prometheusrule.yaml"));
        assertThat(pr.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(pr.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(pr.at("/spec/groups")).as("deploy/k8s/monitoring/prometheusrule.yaml spec.groups vs deploy/prometheus/rules.yaml")
                .isEqualTo(DeployFiles.yaml(RULES).path("groups"));
    }

    private static String severity(String alert) {
        for (JsonNode group : DeployFiles.yaml(RULES).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("alert").asText().equals(alert)) return rule.at("/labels/severity").asText();
            }
        }
        throw new AssertionError("no alert " + alert);
    }

    /** GitHub's heading anchor: lower case, spaces to hyphens, punctuation dropped. */
    static String anchor(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    private static String promtool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(DEPLOY.resolve("prometheus").toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        return out;
    }
}
