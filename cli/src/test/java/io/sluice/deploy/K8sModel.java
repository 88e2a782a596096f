package io.sluice.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict parsing into fabric8's Kubernetes model. fabric8 keeps unknown fields in
 * {@code additionalProperties} instead of failing, so FAIL_ON_UNKNOWN_PROPERTIES alone proves nothing:
 * {@link #unknownFields} walks the parsed object and collects them.
 */
final class K8sModel {
    static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    static final Map<String, Class<?>> MODELS = Map.of(
            "apps/v1/Deployment", Deployment.class,
            "batch/v1/CronJob", CronJob.class,
            "batch/v1/Job", Job.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Namespace", io.fabric8.kubernetes.api.model.Namespace.class,
            "v1/Secret", Secret.class);
    /** Custom resources with no fabric8 model here: their tests check the fields they rely on. */
    static final Set<String> CUSTOM_KINDS = Set.of("keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication",
            "monitoring.coreos.com/v1/PodMonitor", "monitoring.coreos.com/v1/PrometheusRule");

    private K8sModel() {
    }

    static String type(JsonNode doc) {
        return doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
    }

    /** The unknown fields of {@code doc} (empty when it parses cleanly); fails on a kind with no model. */
    static List<String> unknownFields(JsonNode doc, String where) throws Exception {
        Class<?> model = MODELS.get(type(doc));
        if (model == null) {
            throw new AssertionError(where + ": " + type(doc) + " has no model in this test; add it to K8sModel.MODELS (known: "
                    + MODELS.keySet() + ")");
        }
        Object value = STRICT.treeToValue(doc, model);
        List<String> unknown = new ArrayList<>();
        collectUnknown(value, doc.path("kind").asText(), unknown, new IdentityHashMap<>());
        return unknown;
    }

    static void collectUnknown(Object value, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> c) {
            int i = 0;
            for (Object o : c) collectUnknown(o, path + "[" + i++ + "]", out, seen);
            return;
        }
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> collectUnknown(v, path + "." + k, out, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> out.add(path + "." + k));
                }
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            collectUnknown(child, path + "." + field, out, seen);
        }
    }
}
