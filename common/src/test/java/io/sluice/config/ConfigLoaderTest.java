package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    @TempDir
    Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("sluice.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaultsMatchTheContract() {
        SluiceConfig c = loader.defaults();
        assertThat(c.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.kafka().topics().batches()).isEqualTo("sluice.org-batches");
        assertThat(c.kafka().topics().results()).isEqualTo("sluice.spike-projections");
        assertThat(c.kafka().topics().deadLetter()).isEqualTo("sluice.org-batches.dlt");
        assertThat(c.kafka().consumer()).containsEntry("group.id", "sluice-workers");
        assertThat(c.slots().limit()).isEqualTo(50);
        assertThat(c.slots().leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.orchestrator().pacing()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.worker().retry().maxBackoff()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.projection().multiplier()).isEqualTo(10);
        assertThat(c.metrics().port()).isEqualTo(9400);
    }

    @Test
    void fileThenEnvThenFlagsOverride() throws IOException {
        Path f = yaml("""
                slots:
                  limit: 60
                  lease-ttl: 45s
                kafka:
                  consumer:
                    max.poll.records: 5
                """);
        SluiceConfig c = loader.load(f, Map.of("SLUICE_SLOTS_LIMIT", "70", "SLUICE_KAFKA_CONSUMER_FETCH_MAX_WAIT_MS", "100",
                "SLUICE_SERVICE_HOST", "10.0.0.1"), Map.of("orchestrator.pacing", "250ms"));
        assertThat(c.slots().limit()).isEqualTo(70);
        assertThat(c.slots().leaseTtl()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.kafka().consumer()).containsEntry("max.poll.records", "5")
                .containsEntry("fetch.max.wait.ms", "100").containsEntry("group.id", "sluice-workers");
        assertThat(c.orchestrator().pacing()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void unknownKeySuggestsTheNearestOne() throws IOException {
        Path f = yaml("slots:\n  limt: 5\n");
        assertThatThrownBy(() -> loader.load(f, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'slots.limt'")
                .hasMessageContaining("did you mean 'slots.limit'");
    }

    @Test
    void redisUriTakesEveryTopology() throws IOException {
        for (String uri : new String[] {"redis://h:6379", "rediss://user:pw@h:6380", "redis-sentinel://s1:26379,s2:26379#mymaster",
                "redis-cluster://n1:6379,n2:6379,n3:6379", "rediss-cluster://user:pw@n1:6380"}) {
            SluiceConfig cfg = loader.load(yaml("redis:\n  uri: " + uri + "\n"), Map.of(), Map.of());
            assertThat(cfg.redis().uri()).isEqualTo(uri);
        }
    }

    @Test
    void badValuesNameTheKeyAndWhatIsValid() throws IOException {
        assertThatThrownBy(() -> loader.load(yaml("slots:\n  limit: 0\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slots.limit").hasMessageContaining("1..");
        assertThatThrownBy(() -> loader.load(yaml("slots:\n  lease-ttl: 30 seconds\n"), Map.of(), Map.of()))
                .hasMessageContaining("slots.lease-ttl").hasMessageContaining("250ms");
        assertThatThrownBy(() -> loader.load(yaml("redis:\n  uri: localhost:6379\n"), Map.of(), Map.of()))
                .hasMessageContaining("redis.uri").hasMessageContaining("redis://host:6379");
        assertThatThrownBy(() -> loader.load(yaml("slots:\n  renew-every: 40s\n"), Map.of(), Map.of()))
                .hasMessageContaining("slots.renew-every");
        assertThatThrownBy(() -> loader.load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("slots.limt", "3")))
                .hasMessageContaining("did you mean 'slots.limit'");
    }

    @Test
    void passwordsNeverReachErrorMessages() throws IOException {
        assertThatThrownBy(() -> loader.load(yaml("redis:\n  uri: tcp://admin:hunter2@host:6379\n"), Map.of(), Map.of()))
                .hasMessageNotContaining("hunter2").hasMessageContaining("*****");
        SluiceConfig c = loader.load(yaml("redis:\n  uri: redis://admin:hunter2@host:6379\n"), Map.of(), Map.of());
        assertThat(c.redis().toString()).doesNotContain("hunter2");
    }

    @Test
    void envNamesAreUpperSnake() {
        assertThat(ConfigLoader.envName("slots.lease-ttl")).isEqualTo("SLUICE_SLOTS_LEASE_TTL");
        assertThat(new ConfigLoader().knownKeys()).contains("kafka.consumer.*", "slots.limit", "worker.retry.max-attempts");
    }
}
