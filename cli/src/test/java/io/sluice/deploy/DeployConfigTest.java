package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.sluice.deploy.DeployFiles.DEPLOY;
import static io.sluice.deploy.DeployFiles.K8S;
import static io.sluice.deploy.DeployFiles.rel;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every config file and every SLUICE_ variable under deploy/ names a key Sluice knows, sets the keys
 * a worker cannot run without, and loads through {@link ConfigLoader} as the pods would load it.
 */
class DeployConfigTest {
    /** SLUICE_ variables read outside the config (ConfigLoader leaves them alone too). */
    private static final Set<String> NOT_CONFIG = Set.of("SLUICE_LOG_FORMAT", "SLUICE_LOG_LEVEL", "SLUICE_JAVA_OPTS",
            "SLUICE_ORGS_JDBC_USER", "SLUICE_ORGS_JDBC_PASSWORD", "SLUICE_CONFIG");
    private static final List<String> PASSTHROUGH = List.of("kafka.common", "kafka.producer", "kafka.consumer");
    /** A worker needs these from the file or the environment; the defaults point at localhost. */
    private static final List<String> REQUIRED = List.of("kafka.bootstrap-servers", "redis.uri", "snuba.url");
    private static final List<Path> CONFIG_FILES = List.of(K8S.resolve("base/sluice.yaml"), DEPLOY.resolve("compose/sluice.yaml"));

    /** compose stops a worker as Kubernetes does: after its whole shutdown budget, not before. */
    @Test
    void composeGivesWorkersTheirWholeShutdownBudget() {
        SluiceConfig cfg = new ConfigLoader().load(DEPLOY.resolve("compose/sluice.yaml"), Map.of(), Map.of());
        String grace = DeployFiles.yaml(DEPLOY.resolve("compose/compose.yaml")).at("/services/worker/stop_grace_period").asText();
        assertThat(grace).matches("[0-9]+s");
        assertThat(java.time.Duration.ofSeconds(Long.parseLong(grace.replace("s", ""))))
                .as("compose worker stop_grace_period vs ShutdownBudget.total(worker.shutdown-grace %s)", cfg.worker().shutdownGrace())
                .isGreaterThanOrEqualTo(io.sluice.worker.ShutdownBudget.total(cfg.worker().shutdownGrace()));
    }

    @Test
    void configFilesLoadAndSetEveryRequiredKey() {
        for (Path f : CONFIG_FILES) {
            SluiceConfig cfg = new ConfigLoader().load(f, Map.of(), Map.of());
            Set<String> set = leaves(DeployFiles.yaml(f), "");
            for (String key : REQUIRED) {
                assertThat(set).as("%s sets %s (or a pod sets %s)", rel(f), key, ConfigLoader.envName(key))
                        .anyMatch(k -> k.equals(key));
            }
            for (String key : set) {
                assertThat(known(key)).as("%s: %s is a Sluice config key", rel(f), key).isTrue();
            }
            assertThat(cfg.metrics().port()).isEqualTo(9400);
        }
    }

    @Test
    void everySluiceVariableInManifestsComposeAndImagesNamesAConfigKey() throws Exception {
        Map<String, String> seen = new TreeMap<>();
        for (DeployFiles.Workload w : DeployFiles.workloads()) {
            for (JsonNode c : w.podSpec().path("containers")) {
                c.path("env").forEach(e -> seen.put(e.path("name").asText(), w.toString()));
            }
        }
        DeployFiles.yaml(DEPLOY.resolve("compose/compose.yaml")).path("services").fields().forEachRemaining(s ->
                s.getValue().path("environment").fieldNames().forEachRemaining(n -> seen.put(n, "compose service " + s.getKey())));
        Matcher env = Pattern.compile("(?m)^\\s*(?:ENV\\s+)?(SLUICE_[A-Z0-9_]+)=").matcher(Files.readString(DEPLOY.resolve("docker/Dockerfile")));
        while (env.find()) {
            seen.put(env.group(1), "deploy/docker/Dockerfile");
        }
        assertThat(seen).containsKeys("SLUICE_REDIS_URI", "SLUICE_KAFKA_COMMON_SASL_JAAS_CONFIG", "SLUICE_LOG_FORMAT");
        List<String> unknown = new ArrayList<>();
        seen.forEach((name, where) -> {
            if (name.startsWith("SLUICE_") && !NOT_CONFIG.contains(name) && !knownEnv(name)) {
                unknown.add(name + " (" + where + ")");
            }
        });
        assertThat(unknown).as("SLUICE_ variables that name no config key").isEmpty();
    }

    /** The pods' config is the ConfigMap's file plus their environment: load it exactly so, with stand-in secrets. */
    @Test
    void workloadsLoadTheirConfigWithTheirEnvironment() {
        for (DeployFiles.Workload w : DeployFiles.workloads()) {
            JsonNode c = w.podSpec().path("containers").get(0);
            Map<String, String> env = new TreeMap<>();
            c.path("env").forEach(e -> env.put(e.path("name").asText(), e.has("value") ? e.path("value").asText()
                    : standIn(e.path("name").asText())));
            SluiceConfig cfg = new ConfigLoader().load(K8S.resolve("base/sluice.yaml"), env, Map.of());
            assertThat(cfg.redis().uri()).as(w.toString()).isEqualTo(standIn("SLUICE_REDIS_URI"));
            assertThat(cfg.kafka().common()).as(w.toString()).containsKey("sasl.jaas.config").containsKey("security.protocol");
        }
    }

    private static String standIn(String envName) {
        return switch (envName) {
            case "SLUICE_REDIS_URI" -> "rediss://sluice:secret@redis.test:6380";
            default -> "stand-in";
        };
    }

    private static boolean known(String key) {
        return PASSTHROUGH.stream().anyMatch(p -> key.startsWith(p + ".")) || new ConfigLoader().knownKeys().contains(key);
    }

    private static boolean knownEnv(String name) {
        for (String key : new ConfigLoader().knownKeys()) {
            if (key.endsWith(".*") ? name.startsWith(ConfigLoader.envName(key.substring(0, key.length() - 2)) + "_")
                    : name.equals(ConfigLoader.envName(key))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> leaves(JsonNode n, String prefix) {
        Set<String> out = new TreeSet<>();
        n.fields().forEachRemaining(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject() && !PASSTHROUGH.contains(key)) {
                out.addAll(leaves(e.getValue(), key));
            } else if (e.getValue().isObject()) {
                e.getValue().fieldNames().forEachRemaining(k -> out.add(key + "." + k));
            } else {
                out.add(key);
            }
        });
        return out;
    }
}
