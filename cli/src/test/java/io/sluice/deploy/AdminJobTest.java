package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sluice.deploy.DeployFiles.K8S;
import static io.sluice.deploy.DeployFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin Job is created outside kustomize, so the registry and tag an overlay sets reach it only
 * through the documented {@code sed}: this runs that command, from the Job's header and from the
 * runbook, and checks the Job it produces.
 */
class AdminJobTest {
    private static final Path JOB = K8S.resolve("jobs/sluice-admin-job.yaml");
    private static final String IMG = "registry.example.com/team/sluice-orchestrator:9.9.9";
    private static final String CM = "sluice-config-7h2k9m4b5t";

    @Test
    void theHeadersSedGivesTheJobTheRenderedImageConfigMapAndCommand() throws Exception {
        List<String> header = new ArrayList<>();
        for (String line : Files.readAllLines(JOB)) {
            if (!line.startsWith("#")) break;
            header.add(line.replaceFirst("^#\\s*", ""));
        }
        checkCreated(sedOf(String.join("\n", header)));
    }

    @Test
    void theRunbooksSedDoesTheSame() throws Exception {
        String runbook = Files.readString(ROOT.resolve("docs/RUNBOOK.md"));
        String section = runbook.substring(runbook.indexOf("## Running replay and slots in the cluster"));
        checkCreated(sedOf(section.replace("\\\n", " ")));
    }

    @Test
    void theJobsImageIsTheNameTheOverlaysRewrite() {
        JsonNode c = DeployFiles.yaml(JOB).at("/spec/template/spec/containers/0");
        List<String> names = new ArrayList<>();
        DeployFiles.yaml(K8S.resolve("base/kustomization.yaml")).path("images").forEach(i -> names.add(i.path("name").asText()));
        assertThat(names).as("the Job's image is one the overlays' images: entries rewrite, read back by $IMG").contains(c.path("image").asText());
    }

    /** The one `sed ... | kubectl ... create` command in {@code text}, without the kubectl part. */
    private static String sedOf(String text) {
        for (String line : text.lines().toList()) {
            String l = line.strip();
            if (l.startsWith("sed ") && l.contains("| kubectl")) return l.substring(0, l.indexOf("| kubectl")).strip();
        }
        throw new AssertionError("no `sed ... | kubectl -n sluice create -f -` line in:\n" + text);
    }

    private static void checkCreated(String sed) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "CM='" + CM + "'; IMG='" + IMG + "'; " + sed)
                .directory(ROOT.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(sed).isZero();
        JsonNode job = DeployFiles.YAML.readTree(out);
        assertThat(K8sModel.unknownFields(job, "admin Job")).isEmpty();
        JsonNode pod = job.at("/spec/template/spec");
        assertThat(pod.at("/containers/0/image").asText()).as(sed).isEqualTo(IMG);
        assertThat(pod.at("/containers/0/env/0/value").asText()).isEqualTo("replay --group sluice-workers --by-duration 6h");
        List<String> configMaps = new ArrayList<>();
        pod.path("volumes").forEach(v -> { if (v.has("configMap")) configMaps.add(v.at("/configMap/name").asText()); });
        assertThat(configMaps).containsExactly(CM);
    }
}
