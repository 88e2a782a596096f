package io.sluice.config;

import io.sluice.kafka.KafkaClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The bad-configuration matrix: every bad file, environment variable or flag is a
 * {@link ConfigException} whose {@link ConfigException#key()} names the offending key and whose
 * message says what would be valid. (ConfigLoaderTest covers the basic cases; this is the long tail.)
 */
class BadConfigMatrixTest {
    @TempDir
    Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    private Path yaml(String text) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "bad", ".yaml"), text);
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                // unknown and misspelled keys, with the suggestion
                Arguments.of("slots:\n  limt: 5\n", "slots.limt", "did you mean 'slots.limit'?"),
                Arguments.of("kafka:\n  bootstrap-server: b:9092\n", "kafka.bootstrap-server", "did you mean 'kafka.bootstrap-servers'?"),
                Arguments.of("worker:\n  retry:\n    max-attempt: 3\n", "worker.retry.max-attempt", "did you mean 'worker.retry.max-attempts'?"),
                Arguments.of("metrics:\n  prot: 9400\n", "metrics.prot", "did you mean 'metrics.port'?"),
                Arguments.of("snuba:\n  time-out: 5s\n", "snuba.time-out", "did you mean 'snuba.timeout'?"),
                Arguments.of("kafka:\n  topics:\n    deadletter: x\n", "kafka.topics.deadletter", "did you mean 'kafka.topics.dead-letter'?"),
                Arguments.of("redis_uri: redis://h:6379\n", "redis_uri", "did you mean 'redis.uri'?"),
                Arguments.of("shards: 3\n", "shards", "unknown key 'shards'"),
                // per-job settings: a mapping of job names to mappings of values
                Arguments.of("jobs: 5\n", "jobs", "must be a mapping of job names to their settings"),
                Arguments.of("jobs:\n  Dynamic Sampling:\n    target-rate: 0.2\n", "jobs.Dynamic Sampling", "is not a job name"),
                Arguments.of("jobs:\n  dynamic-sampling: 0.2\n", "jobs.dynamic-sampling", "must be a mapping of that job's settings"),
                Arguments.of("jobs:\n  dynamic-sampling:\n    target-rate: [1]\n", "jobs.dynamic-sampling.target-rate", "must be a single value"),
                // wrong shapes and types
                Arguments.of("slots: 5\n", "slots", "must be a section"),
                Arguments.of("slots:\n  limit: [1, 2]\n", "slots.limit", "must be a single value"),
                Arguments.of("slots:\n  limit: fifty\n", "slots.limit", "'fifty' is not a whole number; valid: 1..1000000"),
                Arguments.of("slots:\n  limit: 5.5\n", "slots.limit", "is not a whole number"),
                Arguments.of("slots:\n  enabled: maybe\n", "slots.enabled", "valid: true, false"),
                Arguments.of("kafka:\n  consumer: 5\n", "kafka.consumer", "must be a mapping of Kafka client keys"),
                Arguments.of("kafka:\n  consumer:\n    max.poll.records: [5]\n", "kafka.consumer.max.poll.records", "must be a single value"),
                Arguments.of("kafka:\n  consumer:\n    max.pol.records: 5\n", "kafka.consumer.max.pol.records", "did you mean max.poll.records?"),
                Arguments.of("slots:\n  pool: \"\"\n", "slots.pool", "is required but empty"),
                // limits and ranges
                Arguments.of("slots:\n  limit: 0\n", "slots.limit", "valid: 1..1000000"),
                Arguments.of("slots:\n  limit: -3\n", "slots.limit", "valid: 1..1000000"),
                Arguments.of("worker:\n  max-in-flight: 0\n", "worker.max-in-flight", "valid: 1..10000"),
                Arguments.of("worker:\n  retry:\n    max-attempts: 0\n", "worker.retry.max-attempts", "valid: 1..1000"),
                Arguments.of("orchestrator:\n  batch-size: 1001\n", "orchestrator.batch-size", "valid: 1..1000"),
                Arguments.of("kafka:\n  topics:\n    partitions: 0\n", "kafka.topics.partitions", "valid: 1..10000"),
                Arguments.of("metrics:\n  port: 70000\n", "metrics.port", "valid: 0..65535"),
                Arguments.of("projection:\n  multiplier: 0\n", "projection.multiplier", "valid: 1..1000000"),
                // durations
                Arguments.of("slots:\n  lease-ttl: 30 seconds\n", "slots.lease-ttl", "valid examples: 250ms, 2s, 5m"),
                Arguments.of("slots:\n  lease-ttl: 30\n", "slots.lease-ttl", "is not a duration"),
                Arguments.of("slots:\n  lease-ttl: -1s\n", "slots.lease-ttl", "is not a duration"),
                Arguments.of("slots:\n  lease-ttl: 1.5s\n", "slots.lease-ttl", "is not a duration"),
                Arguments.of("slots:\n  lease-ttl: 5M\n", "slots.lease-ttl", "is not a duration"),
                Arguments.of("slots:\n  lease-ttl: 0s\n", "slots.lease-ttl", "must be longer than 0"),
                Arguments.of("slots:\n  lease-ttl: 99999999999999999999s\n", "slots.lease-ttl", "is too long; valid: 0ms..365d"),
                Arguments.of("orchestrator:\n  finish-within: P99999999999D\n", "orchestrator.finish-within", "is too long; valid: 0ms..365d"),
                Arguments.of("snuba:\n  timeout: 0ms\n", "snuba.timeout", "must be longer than 0"),
                Arguments.of("orchestrator:\n  pacing: soon\n", "orchestrator.pacing", "is not a duration"),
                Arguments.of("orchestrator:\n  max-backlog: 10\n", "orchestrator.max-backlog", "at least orchestrator.batch-size (25)"),
                Arguments.of("orchestrator:\n  lease-ttl: 1s\n", "orchestrator.lease-ttl", "at least 3s"),
                Arguments.of("orchestrator:\n  finish-within: tomorrow\n", "orchestrator.finish-within", "is not a duration"),
                Arguments.of("worker:\n  retry:\n    initial-backoff: 5s\n    max-backoff: 1s\n", "worker.retry.max-backoff", "must not be shorter than worker.retry.initial-backoff"),
                Arguments.of("slots:\n  lease-ttl: 5s\n  renew-every: 5s\n", "slots.renew-every", "must be shorter than slots.lease-ttl"),
                Arguments.of("slots:\n  lease-ttl: 10s\n  renew-every: 3s\n", "slots.lease-ttl", "must be at least downstream.max-query-time (30s)"),
                Arguments.of("downstream:\n  max-query-time: 2h\n", "downstream.max-query-time", "valid: 100ms..1h"),
                Arguments.of("downstream:\n  max-querytime: 20s\n", "downstream.max-querytime", "did you mean 'downstream.max-query-time'?"),
                // addresses
                Arguments.of("snuba:\n  url: localhost:1218\n", "snuba.url", "is not an http(s) URL"),
                Arguments.of("snuba:\n  url: ftp://h/\n", "snuba.url", "is not an http(s) URL"),
                Arguments.of("redis:\n  uri: http://h:6379\n", "redis.uri", "valid forms: redis://host:6379, rediss://host:6380 (TLS)"),
                Arguments.of("redis:\n  uri: redis-cluster://h1:6379,,h2:6379\n", "redis.uri", "empty host in the seed list"),
                // the file itself
                Arguments.of("slots: [\n", "--config", "is not valid YAML"),
                Arguments.of("- a\n- b\n", "--config", "must hold a YAML mapping"));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("badFiles")
    void aBadFileNamesTheKeyAndWhatIsValid(String yaml, String key, String message) throws IOException {
        Path file = yaml(yaml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.load(file, Map.of(), Map.of()));
        assertThat(e).as("config:\n%s", yaml).isNotNull();
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.getMessage()).contains(message);
        if (!key.startsWith("--")) {
            assertThat(e.getMessage()).contains(key);
        }
    }

    @Test
    void anUnknownKeyFromAFileNamesTheFile() throws IOException {
        Path file = yaml("slots:\n  limt: 5\n");
        assertThatThrownBy(() -> loader.load(file, Map.of(), Map.of())).hasMessageContaining(file.toString());
    }

    @Test
    void aBadEnvironmentValueIsAnErrorNamingTheKey() {
        assertThatThrownBy(() -> loader.load(null, Map.of("SLUICE_SLOTS_LIMIT", "zero"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slots.limit: 'zero' is not a whole number");
        assertThatThrownBy(() -> loader.load(null, Map.of("SLUICE_SLOTS_LEASE_TTL", "30sec"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slots.lease-ttl: '30sec' is not a duration");
        assertThatThrownBy(() -> loader.load(null, Map.of("SLUICE_WORKER_MAX_IN_FLIGHT", "0"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("worker.max-in-flight");
    }

    /** DESIGN 11: an unknown SLUICE_* name is an error (a typo must not run on the default); service links are not (EnvNamesTest). */
    @Test
    void anUnknownEnvironmentVariableIsAnError() {
        assertThatThrownBy(() -> loader.load(null, Map.of("SLUICE_SLOTS_LIMT", "3", "SLUICE_SERVICE_HOST", "10.0.0.1"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SLUICE_SLOTS_LIMT").hasMessageContaining("SLUICE_SLOTS_LIMIT")
                .satisfies(e -> assertThat(e.getMessage()).as("a near miss names the suggestion, not every variable").hasSizeLessThan(300));
        assertThat(loader.load(null, Map.of("SLUICE_SERVICE_HOST", "10.0.0.1"), Map.of()).slots().limit()).isEqualTo(50);
    }

    @Test
    void aMisspelledFlagOverrideSuggestsTheKey() {
        assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("worker.max-inflight", "3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("did you mean 'worker.max-in-flight'?");
    }

    @Test
    void aPasswordInABadRedisUriIsMasked() throws IOException {
        Path file = yaml("redis:\n  uri: http://sluice:s3cr3t-pw@h:6379\n");
        assertThatThrownBy(() -> loader.load(file, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http://sluice:" + Redaction.MASK + "@h:6379")
                .hasMessageNotContaining("s3cr3t-pw");
    }

    // ---- Kafka passthrough sections: checked by the client config classes, before any connection ----

    static Stream<Arguments> badKafkaSettings() {
        return Stream.of(
                Arguments.of("kafka:\n  consumer:\n    max.poll.records: lots\n", "kafka.consumer", "max.poll.records"),
                Arguments.of("kafka:\n  common:\n    security.protocol: SASL_PLAINTXT\n", "kafka.consumer", "security.protocol"),
                Arguments.of("kafka:\n  producer:\n    compression.type: zipp\n", "kafka.producer", "compression.type"),
                Arguments.of("kafka:\n  common:\n    default.api.timeout.ms: soon\n", "kafka.consumer", "default.api.timeout.ms"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("badKafkaSettings")
    void aBadKafkaClientSettingIsAConfigErrorWithoutConnecting(String yaml, String key, String named) throws IOException {
        SluiceConfig c = loader.load(yaml(yaml), Map.of(), Map.of());
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> KafkaClients.validate(c.kafka()));
        assertThat(e).isNotNull();
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.getMessage()).contains(named);
    }

    @Test
    void theStartupTimeoutFollowsDefaultApiTimeout() throws IOException {
        SluiceConfig c = loader.load(yaml("kafka:\n  common:\n    default.api.timeout.ms: 2500\n"), Map.of(), Map.of());
        assertThat(KafkaClients.startupTimeout(c.kafka())).isEqualTo(Duration.ofMillis(2500));
        assertThat(KafkaClients.startupTimeout(loader.defaults().kafka())).isEqualTo(Duration.ofSeconds(30));
        SluiceConfig zero = loader.load(yaml("kafka:\n  common:\n    default.api.timeout.ms: 0\n"), Map.of(), Map.of());
        assertThatThrownBy(() -> KafkaClients.startupTimeout(zero.kafka()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not a positive number of milliseconds");
    }
}
