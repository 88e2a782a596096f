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

    /** The healthy fleet (the first case) keeps every alert quiet; some other case makes each one fire. */
    @Test
    void everyAlertFiresInItsTestAndStaysQuietInTheHealthyOne() {
        JsonNode tests = DeployFiles.yaml(DEPLOY.resolve("prometheus/rules.test.yaml")).path("tests");
        Set<String> quiet = new TreeSet<>();
        Set<String> fired = new TreeSet<>();
        for (int i = 0; i < tests.size(); i++) {
            for (JsonNode t : tests.get(i).path("alert_rule_test")) {
                boolean fires = !t.path("exp_alerts").isEmpty();
                if (fires) fired.add(t.path("alertname").asText());
                if (i == 0 && !fires) quiet.add(t.path("alertname").asText());
            }
        }
        Set<String> alerts = new TreeSet<>();
        DeployFiles.yaml(RULES).path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
        assertThat(fired).as("alerts that fire in some case of rules.test.yaml").isEqualTo(alerts);
        assertThat(quiet).as("alerts checked quiet in the healthy fleet (the first case of rules.test.yaml)").isEqualTo(alerts);
    }

    /**
     * Every runbook_url of the PrometheusRule comes from one kustomize setting (changing it changes all
     * of them), and rules.yaml carries that setting's default.
     */
    @Test
    void runbookUrlsComeFromOneKustomizeSetting() throws Exception {
        Kustomize.unavailable().ifPresent(why -> Assumptions.abort("cannot render deploy/k8s/monitoring: " + why));
        Path monitoring = DeployFiles.K8S.resolve("monitoring");
        String kustomization = Files.readString(monitoring.resolve("kustomization.yaml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("- runbook-url=(\\S+)").matcher(kustomization);
        assertThat(m.find()).as("deploy/k8s/monitoring/kustomization.yaml has a runbook-url literal").isTrue();
        String setting = m.group(1);
        int alerts = 0;
        for (JsonNode group : DeployFiles.yaml(RULES).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.at("/annotations/runbook_url").asText()).as("rules.yaml %s", rule.path("alert").asText())
                        .startsWith(setting + "#");
                alerts++;
            }
        }
        assertThat(runbookUrls(Kustomize.render(monitoring))).hasSize(alerts).allMatch(u -> u.startsWith(setting + "#"));

        Path copy = Files.createTempDirectory("monitoring");
        try (var files = Files.list(monitoring)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        String elsewhere = "https://docs.example.org/ops/sluice/RUNBOOK.md";
        Files.writeString(copy.resolve("kustomization.yaml"), kustomization.replace("runbook-url=" + setting, "runbook-url=" + elsewhere));
        List<String> moved = runbookUrls(Kustomize.render(copy));
        assertThat(moved).hasSize(alerts).allMatch(u -> u.matches(java.util.regex.Pattern.quote(elsewhere) + "#[a-z0-9-]+"));
    }

    private static List<String> runbookUrls(List<JsonNode> docs) {
        List<String> urls = new ArrayList<>();
        for (JsonNode d : docs) {
            assertThat(d.path("metadata").path("name").asText()).as("the setting's ConfigMap is local-config, not rendered").isNotEqualTo("sluice-alerting");
            d.at("/spec/groups").forEach(g -> g.path("rules").forEach(r -> urls.add(r.at("/annotations/runbook_url").asText())));
        }
        return urls;
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
