package io.sluice.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.sluice.deploy.DeployFiles.K8S;
import static io.sluice.deploy.DeployFiles.rel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every Kubernetes manifest under deploy/k8s parses into the Kubernetes API model, with no field the
 * model does not know; KEDA objects (no model) have the structure KEDA needs; kustomizations list
 * only files that exist; and the backfill worker stays the production worker in all but its
 * documented differences.
 */
class DeployManifestsTest {
    private static final ObjectMapper STRICT = K8sModel.STRICT;

    @Test
    void everyManifestParsesIntoTheKubernetesModelWithoutUnknownFields() throws Exception {
        List<Path> files = DeployFiles.manifests();
        assertThat(files).extracting(DeployFiles::rel).contains("deploy/k8s/base/worker-deployment.yaml",
                "deploy/k8s/base/orchestrator-cronjob.yaml", "deploy/k8s/overlays/backfill/worker-backfill-deployment.yaml");
        int parsed = 0;
        for (Path f : files) {
            for (JsonNode doc : DeployFiles.yamlDocuments(f)) {
                String type = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
                if (K8sModel.CUSTOM_KINDS.contains(type)) {
                    continue;   // checked by kedaScaledObjectTargetsTheWorkerAndStopsAtThePartitionCount
                }
                List<String> unknown = K8sModel.unknownFields(doc, rel(f));
                assertThat(unknown).as("fields the Kubernetes model does not know, in %s", rel(f)).isEmpty();
                parsed++;
            }
        }
        assertThat(parsed).isGreaterThanOrEqualTo(8);
    }

    @Test
    void aMisspelledFieldIsCaught() throws Exception {
        JsonNode doc = DeployFiles.YAML.readTree("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
                + "spec:\n  template:\n    spec:\n      containers:\n        - name: c\n          livenesProbe: {}\n");
        List<String> unknown = new ArrayList<>();
        K8sModel.collectUnknown(STRICT.treeToValue(doc, Deployment.class), "Deployment", unknown, new IdentityHashMap<>());
        assertThat(unknown).containsExactly("Deployment.spec.template.spec.containers[0].livenesProbe");
    }

    @Test
    void workerPodsProbeHealthAndReadinessAndOutliveTheShutdownGrace() throws Exception {
        SluiceConfig cfg = new ConfigLoader().load(K8S.resolve("base/sluice.yaml"), Map.of(), Map.of());
        long grace = cfg.worker().shutdownGrace().toSeconds();
        for (Path f : List.of(K8S.resolve("base/worker-deployment.yaml"), K8S.resolve("overlays/backfill/worker-backfill-deployment.yaml"))) {
            Deployment d = STRICT.treeToValue(DeployFiles.yaml(f), Deployment.class);
            var pod = d.getSpec().getTemplate().getSpec();
            Container c = pod.getContainers().get(0);
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).as(rel(f)).isEqualTo("/healthz");
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).as(rel(f)).isEqualTo("/readyz");
            assertThat(c.getPorts()).as(rel(f)).anyMatch(p -> p.getContainerPort() == cfg.metrics().port()
                    && "metrics".equals(p.getName()));
            assertThat(pod.getTerminationGracePeriodSeconds()).as("%s: terminationGracePeriodSeconds vs worker.shutdown-grace %ss", rel(f), grace)
                    .isGreaterThanOrEqualTo(grace + 10);
            assertThat(c.getArgs()).as(rel(f)).containsSequence("--config", "/etc/sluice/sluice.yaml");
            assertThat(c.getVolumeMounts()).as(rel(f)).anyMatch(m -> m.getMountPath().equals("/etc/sluice"));
            assertThat(pod.getVolumes()).as(rel(f)).anyMatch(v -> v.getConfigMap() != null
                    && v.getConfigMap().getName().equals("sluice-config"));
            assertThat(c.getResources().getLimits()).as(rel(f)).containsKey("memory");
            assertThat(pod.getTopologySpreadConstraints()).as(rel(f)).isNotEmpty();
            assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).as(rel(f))
                    .containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", Integer.toString(cfg.metrics().port()));
            assertThat(c.getEnv()).as(rel(f)).anyMatch(e -> e.getName().equals("SLUICE_REDIS_URI")
                    && e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null);
            assertThat(c.getEnv()).as(rel(f)).anyMatch(e -> e.getName().equals("SLUICE_KAFKA_COMMON_SASL_JAAS_CONFIG")
                    && e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null);
            assertThat(d.getSpec().getSelector().getMatchLabels())
                    .isEqualTo(d.getSpec().getTemplate().getMetadata().getLabels().entrySet().stream()
                            .filter(e -> d.getSpec().getSelector().getMatchLabels().containsKey(e.getKey()))
                            .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        }
        PodDisruptionBudget pdb = STRICT.treeToValue(DeployFiles.yaml(K8S.resolve("base/worker-pdb.yaml")), PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", "sluice-worker");
    }

    @Test
    void orchestratorCronJobNeverOverlapsAndDerivesItsRunIdFromTheScheduledDay() throws Exception {
        CronJob cj = STRICT.treeToValue(DeployFiles.yaml(K8S.resolve("base/orchestrator-cronjob.yaml")), CronJob.class);
        assertThat(cj.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
        String script = String.join(" ", cj.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        assertThat(script).contains("--run-id \"r-$(date -u +%Y%m%d)T0100Z\"").contains("orchestrator run");
        // The run id stamps the schedule's hour, and retries must stay inside the day the id names.
        assertThat(cj.getSpec().getSchedule()).isEqualTo("0 1 * * *");
        long deadline = cj.getSpec().getJobTemplate().getSpec().getActiveDeadlineSeconds();
        long startingDeadline = cj.getSpec().getStartingDeadlineSeconds();
        assertThat(Duration.ofHours(1).plusSeconds(startingDeadline + deadline)).isLessThanOrEqualTo(Duration.ofHours(24));
        // finish-within must end before the Job's deadline, or the deadline kills a run that was on time.
        SluiceConfig cfg = new ConfigLoader().load(K8S.resolve("base/sluice.yaml"), Map.of(), Map.of());
        assertThat(cfg.orchestrator().finishWithin()).isPositive().isLessThan(Duration.ofSeconds(deadline));
    }

    /** The Job's podFailurePolicy against the exit codes the orchestrator really returns (RunResult). */
    @Test
    void orchestratorExitCodesDriveTheJob() throws Exception {
        CronJob cj = STRICT.treeToValue(DeployFiles.yaml(K8S.resolve("base/orchestrator-cronjob.yaml")), CronJob.class);
        var job = cj.getSpec().getJobTemplate().getSpec();
        assertThat(job.getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");   // podFailurePolicy needs it
        assertThat(job.getBackoffLimit()).isGreaterThanOrEqualTo(3);
        var rules = job.getPodFailurePolicy().getRules();
        java.util.function.IntFunction<String> actionFor = code -> rules.stream()
                .filter(r -> r.getOnExitCodes() != null && r.getOnExitCodes().getOperator().equals("In")
                        && r.getOnExitCodes().getValues().contains(code))
                .map(r -> r.getAction()).findFirst().orElse("Count");
        assertThat(actionFor.apply(io.sluice.orchestrator.RunResult.EXIT_USAGE)).isEqualTo("FailJob");
        assertThat(actionFor.apply(io.sluice.orchestrator.RunResult.EXIT_RESUMABLE)).isEqualTo("Count");
        assertThat(actionFor.apply(io.sluice.orchestrator.RunResult.EXIT_FAILED)).isEqualTo("Count");
        assertThat(rules).anySatisfy(r -> {
            assertThat(r.getAction()).isEqualTo("Ignore");
            assertThat(r.getOnPodConditions()).extracting(c -> c.getType()).contains("DisruptionTarget");
        });
        // Every exit-code rule names the orchestrator container, which exists.
        String container = job.getTemplate().getSpec().getContainers().get(0).getName();
        assertThat(rules).filteredOn(r -> r.getOnExitCodes() != null)
                .allSatisfy(r -> assertThat(r.getOnExitCodes().getContainerName()).isEqualTo(container));
        // SIGTERM waits for the batch in flight, then exits 3: the grace period must cover it.
        assertThat(job.getTemplate().getSpec().getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(35L);
    }

    @Test
    void kedaScaledObjectTargetsTheWorkerAndStopsAtThePartitionCount() throws Exception {
        SluiceConfig cfg = new ConfigLoader().load(K8S.resolve("base/sluice.yaml"), Map.of(), Map.of());
        JsonNode so = DeployFiles.yaml(K8S.resolve("overlays/production/keda-scaledobject.yaml"));
        assertThat(so.path("apiVersion").asText()).isEqualTo("keda.sh/v1alpha1");
        assertThat(so.path("kind").asText()).isEqualTo("ScaledObject");
        assertThat(so.path("metadata").path("name").asText()).isNotBlank();
        JsonNode spec = so.path("spec");
        assertThat(fieldNames(spec)).isSubsetOf(Set.of("scaleTargetRef", "minReplicaCount", "maxReplicaCount",
                "pollingInterval", "cooldownPeriod", "idleReplicaCount", "advanced", "triggers", "fallback", "initialCooldownPeriod"));
        assertThat(spec.path("scaleTargetRef").path("name").asText()).isEqualTo(workerName());
        int max = spec.path("maxReplicaCount").asInt(-1);
        assertThat(max).as("maxReplicaCount vs kafka.topics.partitions").isBetween(1, cfg.kafka().topics().partitions());
        assertThat(spec.path("minReplicaCount").asInt(0)).isBetween(0, max);
        JsonNode triggers = spec.path("triggers");
        assertThat(triggers.isArray() && !triggers.isEmpty()).as("spec.triggers").isTrue();
        JsonNode kafka = triggers.get(0);
        assertThat(kafka.path("type").asText()).isEqualTo("kafka");
        JsonNode md = kafka.path("metadata");
        assertThat(md.path("consumerGroup").asText()).isEqualTo(cfg.kafka().consumer().get("group.id"));
        assertThat(md.path("topic").asText()).isEqualTo(cfg.kafka().topics().batches());
        assertThat(md.path("bootstrapServers").asText()).isEqualTo(cfg.kafka().bootstrapServers());
        assertThat(md.path("lagThreshold").asText()).matches("[1-9][0-9]*");
        assertThat(md.path("allowIdleConsumers").asText()).isEqualTo("false");
        String authName = kafka.path("authenticationRef").path("name").asText();
        JsonNode auth = DeployFiles.yaml(K8S.resolve("overlays/production/keda-trigger-auth.yaml"));
        assertThat(auth.path("kind").asText()).isEqualTo("TriggerAuthentication");
        assertThat(auth.path("metadata").path("name").asText()).isEqualTo(authName);
        for (JsonNode ref : auth.path("spec").path("secretTargetRef")) {
            assertThat(ref.path("name").asText()).isEqualTo("sluice-secrets");
            assertThat(ref.path("parameter").asText()).isIn("sasl", "username", "password", "tls", "ca", "cert", "key");
            assertThat(secretExampleKeys()).as("keys of base/secret.example.yaml").contains(ref.path("key").asText());
        }
        HorizontalPodAutoscaler hpa = STRICT.treeToValue(DeployFiles.yaml(K8S.resolve("overlays/production/worker-hpa.yaml")),
                HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(workerName());
        assertThat(hpa.getSpec().getMaxReplicas()).isLessThanOrEqualTo(cfg.kafka().topics().partitions());
        assertThat(hpa.getSpec().getMaxReplicas()).as("the HPA alternative keeps KEDA's pool-derived cap").isEqualTo(max);
        assertThat(hpa.getSpec().getMetrics().get(0).getExternal().getMetric().getName()).as("broker-side lag, not records_lag_max")
                .isEqualTo("sluice_worker_group_lag");
        assertThat(DeployFiles.yaml(K8S.resolve("overlays/production/kustomization.yaml")).path("resources").toString())
                .as("the HPA is the alternative to KEDA, not applied with it").doesNotContain("worker-hpa.yaml");
    }

    @Test
    void everySecretKeyTheManifestsReferenceIsInTheExampleSecret() {
        for (DeployFiles.Workload w : DeployFiles.workloads()) {
            for (JsonNode c : w.podSpec().path("containers")) {
                for (JsonNode env : c.path("env")) {
                    JsonNode ref = env.path("valueFrom").path("secretKeyRef");
                    if (!ref.isMissingNode()) {
                        assertThat(ref.path("name").asText()).as(w + " " + env.path("name").asText()).isEqualTo("sluice-secrets");
                        assertThat(secretExampleKeys()).as(w + " " + env.path("name").asText()).contains(ref.path("key").asText());
                    }
                }
            }
        }
    }

    @Test
    void kustomizationsListOnlyFilesAndFoldersThatExist() {
        for (Path k : DeployFiles.kustomizations()) {
            JsonNode doc = DeployFiles.yaml(k);
            assertThat(doc.path("kind").asText()).as(rel(k)).isEqualTo("Kustomization");
            List<String> paths = new ArrayList<>();
            doc.path("resources").forEach(r -> paths.add(r.asText()));
            doc.path("patches").forEach(p -> {
                if (p.has("path")) paths.add(p.path("path").asText());
                if (!p.has("path") && !p.has("patch")) fail(rel(k) + ": a patch needs path or patch");
            });
            doc.path("configMapGenerator").forEach(g -> g.path("files").forEach(f -> paths.add(f.asText())));
            assertThat(paths).as(rel(k)).isNotEmpty();
            for (String p : paths) {
                Path target = k.getParent().resolve(p).normalize();
                assertThat(Files.exists(target)).as("%s lists %s", rel(k), p).isTrue();
                if (Files.isDirectory(target)) {
                    assertThat(target.resolve("kustomization.yaml")).as("%s lists folder %s", rel(k), p).exists();
                }
            }
        }
        assertThat(DeployFiles.kustomizations()).extracting(DeployFiles::rel).containsExactlyInAnyOrder(
                "deploy/k8s/base/kustomization.yaml", "deploy/k8s/overlays/production/kustomization.yaml",
                "deploy/k8s/overlays/backfill/kustomization.yaml", "deploy/k8s/monitoring/kustomization.yaml");
    }

    /**
     * The backfill worker is a copy of the worker; only name, labels, replicas and two env vars may differ: its
     * own consumer group, and the backfill class of the same pool, which base/pools.yaml declares.
     */
    @Test
    void backfillWorkerDiffersFromTheWorkerOnlyWhereDocumented() {
        ObjectNode worker = (ObjectNode) DeployFiles.yaml(K8S.resolve("base/worker-deployment.yaml"));
        ObjectNode backfill = (ObjectNode) DeployFiles.yaml(K8S.resolve("overlays/backfill/worker-backfill-deployment.yaml"));
        JsonNode backfillEnv = backfill.at("/spec/template/spec/containers/0/env");
        Map<String, String> extra = new java.util.TreeMap<>();
        for (JsonNode e : backfillEnv) {
            boolean inWorker = false;
            for (JsonNode w : worker.at("/spec/template/spec/containers/0/env")) {
                inWorker |= w.equals(e);
            }
            if (!inWorker) {
                extra.put(e.path("name").asText(), e.path("value").asText());
            }
        }
        assertThat(extra.keySet()).containsExactlyInAnyOrder("SLUICE_KAFKA_CONSUMER_GROUP_ID", "SLUICE_SLOTS_CLASS");
        SluiceConfig prod = new ConfigLoader().load(K8S.resolve("base/sluice.yaml"), Map.of(), Map.of());
        SluiceConfig back = new ConfigLoader().load(K8S.resolve("base/sluice.yaml"), extra, Map.of());
        assertThat(back.kafka().consumer().get("group.id")).isNotEqualTo(prod.kafka().consumer().get("group.id"));
        assertThat(back.slots().pool()).as("one pool, one cap: the backfill is a class of it").isEqualTo(prod.slots().pool());
        assertThat(back.slots().limit()).isEqualTo(prod.slots().limit());
        assertThat(back.slots().slotClass()).isEqualTo("backfill");
        assertThat(back.snuba().referrer()).isEqualTo(prod.snuba().referrer());
        String pools = DeployFiles.yaml(K8S.resolve("base/pools.yaml")).path("pools").toString();
        assertThat(pools).as("base/pools.yaml declares the backfill class of the production pool")
                .contains("\"name\":\"" + prod.slots().pool() + "\"").contains("\"backfill:").contains("\"live:")
                .doesNotContain(".backfill\"");

        String name = workerName();
        String json = worker.toString().replace("\"" + name + "\"", "\"" + name + "-backfill\"")
                .replace("\"image\":\"" + name + "-backfill\"", "\"image\":\"" + name + "\"");
        ObjectNode expected;
        try {
            expected = (ObjectNode) DeployFiles.JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        ((ObjectNode) expected.path("spec")).set("replicas", backfill.at("/spec/replicas"));
        ((ObjectNode) expected.at("/spec/template/spec/containers/0")).set("env", backfillEnv);
        assertThat(backfill).as("backfill worker = worker + documented differences").isEqualTo(expected);
        assertThat(backfill.at("/spec/replicas").asInt()).as("starts stopped: replay its offsets first").isZero();
    }

    private static String workerName() {
        return DeployFiles.yaml(K8S.resolve("base/worker-deployment.yaml")).path("metadata").path("name").asText();
    }

    private static Set<String> secretExampleKeys() {
        return fieldNames(DeployFiles.yaml(K8S.resolve("base/secret.example.yaml")).path("stringData"));
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> names = new java.util.TreeSet<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
