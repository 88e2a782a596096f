package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SLUICE_* variables: a typo is an error that names it; Kubernetes' service links are not Sluice's. */
class EnvNamesTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aMisspelledVariableIsAnErrorNamingItTheNearestAndTheValidNames() {
        assertThatThrownBy(() -> loader.load(null, Map.of("SLUICE_SLOTS_LIMT", "60"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable SLUICE_SLOTS_LIMT names no config key")
                .hasMessageContaining("did you mean SLUICE_SLOTS_LIMIT?")
                .hasMessageNotContaining("SLUICE_WORKER_MAX_IN_FLIGHT");   // a near miss: the suggestion, not every name
        assertThatThrownBy(() -> loader.load(null, Map.of("SLUICE_QQQQQQQQQQQQQQQQQQQQQ", "60"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("valid: ").hasMessageContaining("SLUICE_WORKER_MAX_IN_FLIGHT")
                .hasMessageContaining("SLUICE_KAFKA_CONSUMER_<KAFKA KEY>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SLUICE_SERVICE_HOST", "SLUICE_SERVICE_PORT", "SLUICE_SERVICE_PORT_METRICS", "SLUICE_PORT",
            "SLUICE_PORT_9400_TCP", "SLUICE_PORT_9400_TCP_ADDR", "SLUICE_PORT_9400_TCP_PORT", "SLUICE_PORT_9400_TCP_PROTO",
            "SLUICE_WORKER_SERVICE_HOST", "SLUICE_WORKER_PORT_9400_TCP_ADDR", "SLUICE_SNUBA_SIM_SERVICE_PORT"})
    void kubernetesServiceLinkNamesAreIgnored(String name) {
        SluiceConfig cfg = loader.load(null, Map.of(name, "tcp://10.0.0.7:9400"), Map.of());
        assertThat(cfg.metrics().port()).isEqualTo(loader.defaults().metrics().port());
    }

    /** A Service named sluice-metrics injects SLUICE_METRICS_PORT=tcp://...: the config key's name, a link's value. */
    @Test
    void aServiceLinkValueOnAConfigKeysNameIsIgnoredButARealValueApplies() {
        assertThat(loader.load(null, Map.of("SLUICE_METRICS_PORT", "tcp://10.0.0.7:9400"), Map.of()).metrics().port())
                .isEqualTo(loader.defaults().metrics().port());
        assertThat(loader.load(null, Map.of("SLUICE_METRICS_PORT", "9500"), Map.of()).metrics().port()).isEqualTo(9500);
    }

    @Test
    void variablesReadElsewhereAndOtherPrefixesAreNotConfig() {
        SluiceConfig cfg = loader.load(null, Map.of("SLUICE_CONFIG", "/etc/sluice/sluice.yaml", "SLUICE_LOG_FORMAT", "json",
                "SLUICE_JAVA_OPTS", "-Xss1m", "PATH", "/bin", "SLUICEX", "1"), Map.of());
        assertThat(cfg).isNotNull();
    }
}
