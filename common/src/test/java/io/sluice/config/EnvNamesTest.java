package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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

    /** What the kubelet injects for Services named sluice, sluice-worker, sluice-snuba-sim (IPv4 and IPv6). */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"SLUICE_SERVICE_HOST,10.0.0.7", "SLUICE_SERVICE_PORT,9400", "SLUICE_SERVICE_PORT_METRICS,9400",
            "SLUICE_PORT,tcp://10.0.0.7:9400", "SLUICE_PORT_9400_TCP,tcp://10.0.0.7:9400", "SLUICE_PORT_9400_TCP_ADDR,10.0.0.7",
            "SLUICE_PORT_9400_TCP_PORT,9400", "SLUICE_PORT_9400_TCP_PROTO,tcp", "SLUICE_WORKER_SERVICE_HOST,fd00::7",
            "SLUICE_WORKER_PORT,tcp://[fd00::7]:9400", "SLUICE_WORKER_PORT_9400_TCP_ADDR,fd00::7",
            "SLUICE_WORKER_PORT_53_UDP,udp://10.0.0.7:53", "SLUICE_WORKER_PORT_9400_SCTP_PROTO,sctp",
            "SLUICE_SNUBA_SIM_SERVICE_PORT,1218", "SLUICE_METRIC_PORT,tcp://10.0.0.7:9400"})
    void kubernetesServiceLinksAreIgnored(String name, String value) {
        SluiceConfig cfg = loader.load(null, Map.of(name, value), Map.of());
        assertThat(cfg.metrics().port()).isEqualTo(loader.defaults().metrics().port());
    }

    /**
     * A link's name with a value that is not a link's is not taken for one: SLUICE_METRIC_PORT=9500 is a
     * typo of SLUICE_METRICS_PORT, not a Service named sluice-metric.
     */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"SLUICE_METRIC_PORT,9500,SLUICE_METRICS_PORT", "SLUICE_METRICS_PORT_9400_TCP,9500,",
            "SLUICE_PORT_9400_TCP,tcp://10.0.0.7:9401,", "SLUICE_PORT_9400_TCP_PROTO,udp,", "SLUICE_PORT_9400_TCP_PORT,9401,",
            "SLUICE_SERVICE_HOST,sluice.svc,", "SLUICE_SERVICE_PORT,http,", "SLUICE_SLOTS_PORT,tcp://10.0.0.7,"})
    void aLinksNameWithAnotherValueIsAnError(String name, String value, String nearest) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.load(null, Map.of(name, value), Map.of()));
        assertThat(e).as("%s=%s", name, value).isNotNull();
        assertThat(e.key()).isEqualTo(name);
        assertThat(e.getMessage()).contains("environment variable " + name + " names no config key")
                .contains("service link's form, but not its value");
        if (nearest != null) {
            assertThat(e.getMessage()).contains("did you mean " + nearest + "?");
        }
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
