package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Keys of kafka.common / kafka.producer / kafka.consumer are checked against the Kafka clients' own config
 * names at load time: a client would take a misspelt key and run on the default.
 */
class KafkaKeysTest {
    @TempDir
    Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    private Path yaml(String text) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "kafka", ".yaml"), text);
    }

    private ConfigException error(String yaml) throws IOException {
        Path file = yaml(yaml);
        return catchThrowableOfType(ConfigException.class, () -> loader.load(file, Map.of(), Map.of()));
    }

    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource({"consumer,max.pol.records,max.poll.records", "consumer,fetch.max.wait,fetch.max.wait.ms",
            "consumer,isolation.levle,isolation.level", "producer,linger.msec,linger.ms", "producer,compresion.type,compression.type",
            "common,securty.protocol,security.protocol", "common,ssl.truststore.locaton,ssl.truststore.location",
            "common,sasl.mechanisms,sasl.mechanism"})
    void aMisspeltKeyIsAnErrorNamingTheNearestClientKey(String section, String key, String nearest) throws IOException {
        ConfigException e = error("kafka:\n  " + section + ":\n    " + key + ": x\n");
        assertThat(e).as("%s.%s", section, key).isNotNull();
        assertThat(e.key()).isEqualTo("kafka." + section + "." + key);
        assertThat(e.getMessage()).startsWith("kafka." + section + "." + key + ": '" + key + "' is not a Kafka")
                .contains("did you mean " + nearest + "?");
    }

    @Test
    void aKeyOfTheOtherClientSaysWhereItBelongs() throws IOException {
        assertThat(error("kafka:\n  producer:\n    max.poll.records: 5\n").getMessage())
                .contains("is not a Kafka producer setting (the producer would ignore it) but a consumer one: move it to kafka.consumer or kafka.common");
        assertThat(error("kafka:\n  consumer:\n    linger.ms: 5\n").getMessage())
                .contains("but a producer one: move it to kafka.producer or kafka.common");
    }

    @Test
    void keysFromTheEnvironmentAndFlagsAreCheckedToo() {
        ConfigException env = catchThrowableOfType(ConfigException.class,
                () -> loader.load(null, Map.of("SLUICE_KAFKA_CONSUMER_MAX_POL_RECORDS", "5"), Map.of()));
        assertThat(env).isNotNull();
        assertThat(env.getMessage()).contains("kafka.consumer.max.pol.records").contains("did you mean max.poll.records?");
        ConfigException flag = catchThrowableOfType(ConfigException.class,
                () -> loader.load(null, Map.of(), Map.of("kafka.producer.acks.all", "true")));
        assertThat(flag).isNotNull();
        assertThat(flag.key()).isEqualTo("kafka.producer.acks.all");
    }

    @Test
    void whatTheClientsReadIsAccepted() throws IOException {
        SluiceConfig c = loader.load(yaml("""
                kafka:
                  common:
                    security.protocol: SASL_SSL
                    sasl.mechanism: OAUTHBEARER
                    sasl.jaas.config: org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
                    sasl.oauthbearer.token.endpoint.url: https://idp/token
                    ssl.truststore.location: /etc/ssl/ts.jks
                    client.dns.lookup: use_all_dns_ips
                    max.poll.records: 10
                    linger.ms: 10
                    metrics.context.team: analytics
                    bootstrap.controllers: c:9093
                  consumer:
                    group.protocol: classic
                    session.timeout.ms: 10000
                  producer:
                    compression.type: zstd
                """), Map.of("SLUICE_KAFKA_COMMON_CLIENT_RACK", "use1-az1"), Map.of());
        assertThat(c.kafka().common()).containsEntry("metrics.context.team", "analytics").containsEntry("client.rack", "use1-az1");
        assertThat(c.kafka().producer()).containsEntry("compression.type", "zstd");
    }

    @Test
    void configProvidersTakeTheirOwnKeys() throws IOException {
        SluiceConfig c = loader.load(yaml("""
                kafka:
                  common:
                    config.providers: file
                    config.providers.file.class: org.apache.kafka.common.config.provider.FileConfigProvider
                    config.providers.file.param.allowed.paths: /etc/kafka
                """), Map.of(), Map.of());
        assertThat(c.kafka().common()).containsKey("config.providers.file.param.allowed.paths");
    }

    /** A client hands all its settings to its plug-ins' configure(): once one is set, its own keys pass. */
    @Test
    void aPluginsOwnKeysAreAcceptedOnceAPluginIsSet() throws IOException {
        String interceptor = """
                kafka:
                  %s:
                    interceptor.classes: io.confluent.monitoring.clients.interceptor.MonitoringConsumerInterceptor
                  consumer:
                    confluent.monitoring.interceptor.bootstrap.servers: monitoring:9092
                """;
        assertThat(loader.load(yaml(interceptor.formatted("common")), Map.of(), Map.of()).kafka().consumer())
                .containsKey("confluent.monitoring.interceptor.bootstrap.servers");
        SluiceConfig reporter = loader.load(yaml("""
                kafka:
                  common:
                    metric.reporters: com.example.Reporter
                    example.reporter.endpoint: http://metrics
                """), Map.of(), Map.of());
        assertThat(reporter.kafka().common()).containsKey("example.reporter.endpoint");
        // without the plug-in, the same key is an error
        ConfigException e = error("kafka:\n  consumer:\n    confluent.monitoring.interceptor.bootstrap.servers: monitoring:9092\n");
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("is not a Kafka consumer setting").contains("once one is set: interceptor.classes");
    }

    /** Even with a plug-in set, a key one or two edits from a client key is a typo of it. */
    @ParameterizedTest
    @ValueSource(strings = {"max.pol.records", "fetch.max.wait"})
    void aNearMissIsATypoEvenWithAPluginSet(String key) throws IOException {
        ConfigException e = error("kafka:\n  consumer:\n    interceptor.classes: com.example.I\n    " + key + ": 5\n");
        assertThat(e).isNotNull();
        assertThat(e.key()).isEqualTo("kafka.consumer." + key);
    }

    @Test
    void theValueOfAnUnknownKeyIsNeverPrinted() throws IOException {
        ConfigException e = error("kafka:\n  common:\n    sasl.jaas.confg: secret-jaas-line\n");
        assertThat(e.getMessage()).contains("did you mean sasl.jaas.config?").doesNotContain("secret-jaas-line");
    }
}
