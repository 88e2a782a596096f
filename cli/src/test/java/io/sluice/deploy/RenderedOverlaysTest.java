package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.cli.SluiceVersion;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.worker.ShutdownBudget;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.sluice.deploy.DeployFiles.K8S;
import static io.sluice.deploy.DeployFiles.ROOT;
import static io.sluice.deploy.DeployFiles.rel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code kubectl apply -k} would send, for every kustomization under deploy/k8s: it renders, every
 * object parses strictly into fabric8's model, and the numbers in it (images, grace periods, memory,
 * replicas) agree with the build, the code and the config the same render mounts.
 */
class RenderedOverlaysTest {
    private static final Map<String, List<JsonNode>> RENDERED = new LinkedHashMap<>();

    @BeforeAll
    static void render() {
        Kustomize.unavailable().ifPresent(why -> Assumptions.abort("cannot render the kustomizations: " + why));
        System.out.println("RenderedOverlaysTest: rendering with " + Kustomize.describe());
        for (Path k : DeployFiles.kustomizations()) {
            RENDERED.put(rel(k.getParent()), Kustomize.render(k.getParent()));
        }
    }

    @Test
    void everyKustomizationRendersIntoObjectsTheModelKnowsCompletely() throws Exception {
        assertThat(RENDERED.keySet()).contains("deploy/k8s/base", "deploy/k8s/overlays/production", "deploy/k8s/overlays/backfill");
        for (var e : RENDERED.entrySet()) {
            assertThat(e.getValue()).as(e.getKey()).isNotEmpty();
            for (JsonNode doc : e.getValue()) {
                String where = e.getKey() + " " + K8sModel.type(doc) + " " + doc.at("/metadata/name").asText();
                if (!K8sModel.CUSTOM_KINDS.contains(K8sModel.type(doc))) {
                    assertThat(K8sModel.unknownFields(doc, where)).as("fields the Kubernetes model does not know, in %s", where).isEmpty();
                }
            }
        }
    }

    /** The backfill overlay once rendered the bare {@code sluice-worker}, a name nobody publishes. */
    @Test
    void everyOverlayImageIsPinnedToThisBuildsVersion() {
        for (var e : RENDERED.entrySet()) {
            if (e.getKey().endsWith("/base")) {
                continue;   // the base is not applied on its own; overlays name the registry and tag
            }
            for (JsonNode c : containers(e.getValue())) {
                assertThat(c.path("image").asText()).as("%s container %s", e.getKey(), c.path("name").asText())
                        .matches("[a-z0-9.-]+(:[0-9]+)?/[a-z0-9./-]+:" + Pattern.quote(SluiceVersion.release()));
            }
        }
    }

    @Test
    void noPodGetsServiceLinkVariables() {
        for (var e : RENDERED.entrySet()) {
            for (JsonNode pod : podSpecs(e.getValue())) {
                assertThat(pod.path("enableServiceLinks").isBoolean() && !pod.path("enableServiceLinks").asBoolean())
                        .as("%s: enableServiceLinks: false (a Service named sluice would inject SLUICE_* variables)", e.getKey()).isTrue();
            }
        }
    }

    @Test
    void workerShutdownFitsTheTerminationGracePeriod() throws Exception {
        int checked = 0;
        for (var e : RENDERED.entrySet()) {
            for (JsonNode d : ofKind(e.getValue(), "Deployment")) {
                JsonNode pod = d.at("/spec/template/spec");
                JsonNode c = pod.path("containers").path(0);
                SluiceConfig cfg = configOf(e.getValue(), c);
                long budget = ShutdownBudget.total(cfg.worker().shutdownGrace()).toSeconds();
                assertThat(pod.path("terminationGracePeriodSeconds").asLong())
                        .as("%s %s: terminationGracePeriodSeconds vs shutdown-grace %s + commit %s + consumer close %s + producer close %s + margin %s",
                                e.getKey(), d.at("/metadata/name").asText(), cfg.worker().shutdownGrace(), ShutdownBudget.COMMIT,
                                ShutdownBudget.CONSUMER_CLOSE, ShutdownBudget.PRODUCER_CLOSE, ShutdownBudget.MARGIN)
                        .isGreaterThanOrEqualTo(budget);
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(4);
    }

    /** Heap share of the limit plus the JVM's capped native areas plus threads and GC must fit the container. */
    @Test
    void jvmMemoryFitsEveryContainerLimit() throws Exception {
        JvmFlags flags = JvmFlags.fromDockerfile(DeployFiles.DEPLOY.resolve("docker/Dockerfile"));
        for (var e : RENDERED.entrySet()) {
            for (JsonNode c : containers(e.getValue())) {
                String limit = c.at("/resources/limits/memory").asText();
                assertThat(limit).as("%s %s: memory limit", e.getKey(), c.path("name").asText()).isNotEmpty();
                long bytes = JvmFlags.quantity(limit);
                assertThat(flags.footprint(bytes)).as("%s %s: %s at a limit of %s", e.getKey(), c.path("name").asText(), flags, limit)
                        .isLessThanOrEqualTo(bytes);
            }
        }
    }

    /**
     * Throughput is bounded by the pool: about limit / max-in-flight workers fill it, one more covers a
     * rebalance. Lag grows whenever the pool is the bottleneck, so scaling on lag alone would add pods
     * that only wait; maxReplicaCount caps it.
     */
    @Test
    void kedaNeverScalesPastWhatFillsThePool() throws Exception {
        int checked = 0;
        for (var e : RENDERED.entrySet()) {
            for (JsonNode so : ofKind(e.getValue(), "ScaledObject")) {
                String target = so.at("/spec/scaleTargetRef/name").asText();
                JsonNode d = ofKind(e.getValue(), "Deployment").stream()
                        .filter(x -> x.at("/metadata/name").asText().equals(target)).findFirst().orElseThrow();
                SluiceConfig cfg = configOf(e.getValue(), d.at("/spec/template/spec/containers/0"));
                int fill = (cfg.slots().limit() + cfg.worker().maxInFlight() - 1) / cfg.worker().maxInFlight() + 1;
                assertThat(so.at("/spec/maxReplicaCount").asInt()).as("%s: maxReplicaCount vs ceil(slots.limit %d / worker.max-in-flight %d) + 1",
                        e.getKey(), cfg.slots().limit(), cfg.worker().maxInFlight())
                        .isBetween(1, Math.min(fill, cfg.kafka().topics().partitions()));
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }

    /**
     * KEDA reads the lag of the group the workers it scales consume, on their topic, from their brokers:
     * its copy of those three values must be the one the rendered sluice.yaml gives those workers.
     */
    @Test
    void kedaWatchesTheGroupTopicAndBrokersOfTheWorkersItScales() throws Exception {
        int checked = 0;
        for (var e : RENDERED.entrySet()) {
            for (JsonNode so : ofKind(e.getValue(), "ScaledObject")) {
                String target = so.at("/spec/scaleTargetRef/name").asText();
                JsonNode d = ofKind(e.getValue(), "Deployment").stream()
                        .filter(x -> x.at("/metadata/name").asText().equals(target)).findFirst().orElseThrow();
                SluiceConfig cfg = configOf(e.getValue(), d.at("/spec/template/spec/containers/0"));
                JsonNode kafka = so.at("/spec/triggers/0/metadata");
                assertThat(kafka.path("bootstrapServers").asText()).as("%s ScaledObject bootstrapServers vs kafka.bootstrap-servers", e.getKey())
                        .isEqualTo(cfg.kafka().bootstrapServers());
                assertThat(kafka.path("topic").asText()).as("%s ScaledObject topic vs kafka.topics.batches", e.getKey())
                        .isEqualTo(cfg.kafka().topics().batches());
                assertThat(kafka.path("consumerGroup").asText()).as("%s ScaledObject consumerGroup vs kafka.consumer.group.id", e.getKey())
                        .isEqualTo(cfg.kafka().consumer().get("group.id"));
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }

    /** Applied to an empty cluster, an overlay creates the namespace its objects go into. */
    @Test
    void everyOverlayCreatesItsNamespace() {
        for (var e : RENDERED.entrySet()) {
            if (!e.getKey().contains("/overlays/")) {
                continue;   // base is not applied alone; monitoring is applied next to an overlay
            }
            Set<String> created = new TreeSet<>();
            Set<String> used = new TreeSet<>();
            for (JsonNode d : e.getValue()) {
                if (d.path("kind").asText().equals("Namespace")) created.add(d.at("/metadata/name").asText());
                if (d.at("/metadata/namespace").isTextual()) used.add(d.at("/metadata/namespace").asText());
            }
            assertThat(used).as(e.getKey()).isNotEmpty();
            assertThat(created).as("%s: Namespace objects for the namespaces its objects use", e.getKey()).containsAll(used);
        }
    }

    /** Every {@code deployment/X}, {@code scaledobject/X}, {@code cronjob/X} and {@code --group X} the docs tell people to type exists. */
    @Test
    void namesInTheDocsExistInTheRenderedOverlays() throws Exception {
        Set<String> objects = new TreeSet<>();
        Set<String> groups = new TreeSet<>(Set.of(io.sluice.replay.DeadLetterReplay.DEFAULT_GROUP));
        for (List<JsonNode> docs : RENDERED.values()) {
            for (JsonNode d : docs) {
                objects.add(d.path("kind").asText().toLowerCase() + "/" + d.at("/metadata/name").asText());
                if (d.path("kind").asText().equals("Deployment")) {
                    groups.add(configOf(docs, d.at("/spec/template/spec/containers/0")).kafka().consumer().get("group.id"));
                }
            }
        }
        Pattern ref = Pattern.compile("\\b(deployment|scaledobject|cronjob)/([a-z0-9][a-z0-9.-]*[a-z0-9])");
        Pattern group = Pattern.compile("--group[ =]([a-z0-9][a-z0-9._-]*)");
        List<String> wrong = new ArrayList<>();
        for (Path doc : docs()) {
            String text = Files.readString(doc);
            Matcher m = ref.matcher(text);
            while (m.find()) {
                if (!objects.contains(m.group())) wrong.add(rel(doc) + ": " + m.group());
            }
            Matcher g = group.matcher(text);
            while (g.find()) {
                if (!groups.contains(g.group(1))) wrong.add(rel(doc) + ": --group " + g.group(1));
            }
            for (String line : text.lines().toList()) {
                if (line.matches(".*scale (-n \\S+ )?deployment/sluice-worker\\b(?!-).*") && !line.toLowerCase().contains("without keda")) {
                    wrong.add(rel(doc) + ": scales KEDA's sluice-worker by hand (KEDA scales it back; annotate the ScaledObject"
                            + " with autoscaling.keda.sh/paused-replicas instead): " + line.strip());
                }
            }
        }
        assertThat(wrong).as("names in the docs that the overlays do not render (objects: %s, groups: %s)", objects, groups).isEmpty();
    }

    private static List<Path> docs() throws Exception {
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            List<Path> out = new ArrayList<>(s.filter(p -> p.toString().endsWith(".md")).sorted().toList());
            out.add(ROOT.resolve("README.md"));
            return out;
        }
    }

    /** The Sluice config a container runs with: the rendered ConfigMap's file plus its plain SLUICE_* env values. */
    private static SluiceConfig configOf(List<JsonNode> docs, JsonNode container) throws Exception {
        JsonNode cm = ofKind(docs, "ConfigMap").stream().filter(x -> x.at("/data/sluice.yaml").isTextual()).findFirst().orElseThrow();
        Path file = Files.createTempFile("rendered-sluice", ".yaml");
        try {
            Files.writeString(file, cm.at("/data/sluice.yaml").asText());
            Map<String, String> env = new LinkedHashMap<>();
            for (JsonNode e : container.path("env")) {
                if (e.has("value") && e.path("name").asText().startsWith("SLUICE_")) env.put(e.path("name").asText(), e.path("value").asText());
            }
            return new ConfigLoader().load(file, env, Map.of());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static List<JsonNode> podSpecs(List<JsonNode> docs) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode d : docs) {
            switch (d.path("kind").asText()) {
                case "Deployment", "Job" -> out.add(d.at("/spec/template/spec"));
                case "CronJob" -> out.add(d.at("/spec/jobTemplate/spec/template/spec"));
                default -> { }
            }
        }
        return out;
    }

    private static List<JsonNode> containers(List<JsonNode> docs) {
        List<JsonNode> out = new ArrayList<>();
        podSpecs(docs).forEach(p -> p.path("containers").forEach(out::add));
        return out;
    }
}
