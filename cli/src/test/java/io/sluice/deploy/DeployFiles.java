package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finds and reads the files under {@code deploy/}, for the tests that check them against the code. */
final class DeployFiles {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = findRoot();
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path K8S = DEPLOY.resolve("k8s");

    private DeployFiles() {
    }

    /** The repository root: the nearest directory up from the working directory that holds deploy/ and mvnw. */
    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy")) && Files.exists(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("no deploy/ folder above " + Path.of("").toAbsolutePath());
    }

    /** Every document of a (multi-document) YAML file; empty documents dropped. */
    static List<JsonNode> yamlDocuments(Path file) {
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(Files.readString(file))) {
            List<JsonNode> docs = new ArrayList<>();
            YAML.readValues(parser, JsonNode.class).forEachRemaining(n -> {
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    docs.add(n);
                }
            });
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + ROOT.relativize(file) + " as YAML", e);
        }
    }

    static JsonNode yaml(Path file) {
        List<JsonNode> docs = yamlDocuments(file);
        if (docs.size() != 1) {
            throw new AssertionError(ROOT.relativize(file) + ": expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + ROOT.relativize(file) + " as JSON", e);
        }
    }

    /** Kubernetes manifests: every .yaml under deploy/k8s that is not a kustomization or a Sluice config file. */
    static List<Path> manifests() {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(f -> f.toString().endsWith(".yaml"))
                    .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                    .filter(f -> !f.getFileName().toString().equals("sluice.yaml") && !f.getFileName().toString().equals("pools.yaml"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> kustomizations() {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String rel(Path p) {
        return ROOT.relativize(p).toString();
    }

    /** Every Deployment, CronJob and the like with its pod spec, from the manifests (as YAML trees). */
    static List<Workload> workloads() {
        List<Workload> out = new ArrayList<>();
        for (Path f : manifests()) {
            for (JsonNode doc : yamlDocuments(f)) {
                String kind = doc.path("kind").asText();
                JsonNode podSpec = switch (kind) {
                    case "Deployment" -> doc.path("spec").path("template").path("spec");
                    case "CronJob" -> doc.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
                    default -> null;
                };
                // A strategic-merge patch (overlays/*/worker-patch.yaml) is not a workload of its own.
                if (podSpec != null && podSpec.path("containers").path(0).has("image")) {
                    out.add(new Workload(f, kind, doc.path("metadata").path("name").asText(), (ObjectNode) podSpec));
                }
            }
        }
        return out;
    }

    record Workload(Path file, String kind, String name, ObjectNode podSpec) {
        @Override
        public String toString() {
            return kind + " " + name + " (" + rel(file) + ")";
        }
    }

    /**
     * Every panel of a Grafana dashboard, those inside a collapsed row ({@code row.panels}) included:
     * Grafana moves a row's panels there when the row is collapsed and saved.
     */
    static List<JsonNode> dashboardPanels(JsonNode dash) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dash.path("panels")) {
            out.add(panel);
            panel.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Metric names in PromQL: identifiers starting with a Sluice, Kafka client or JVM prefix, not inside quotes. */
    private static final Pattern METRIC = Pattern.compile("(?<![A-Za-z0-9_:\"'.])((?:sluice|kafka|jvm)_[A-Za-z0-9_:]*)");
    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|'[^']*'");

    static List<String> metricNames(String promql) {
        Matcher m = METRIC.matcher(QUOTED.matcher(promql).replaceAll("\"\""));
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
