package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code downstream.max-query-time}: the downstream's own time limit, and the rule that a slot's lease
 * outlasts it, so a crashed worker's slot never returns while its query may still run downstream.
 */
class DownstreamConfigTest {
    @TempDir
    Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    private Path yaml(String text) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "sluice", ".yaml"), text);
    }

    @Test
    void defaultsToThirtySecondsWhichTheDefaultLeaseTtlCovers() {
        SluiceConfig c = loader.defaults();
        assertThat(c.downstream().maxQueryTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.slots().leaseTtl()).isGreaterThanOrEqualTo(c.downstream().maxQueryTime());
        assertThat(loader.knownKeys()).contains("downstream.max-query-time");
    }

    @Test
    void isSetByFileEnvironmentAndFlagInThatPrecedence() throws IOException {
        Path file = yaml("downstream:\n  max-query-time: 20s\n");
        assertThat(loader.load(file, Map.of(), Map.of()).downstream().maxQueryTime()).isEqualTo(Duration.ofSeconds(20));
        assertThat(loader.load(file, Map.of("SLUICE_DOWNSTREAM_MAX_QUERY_TIME", "PT15S"), Map.of()).downstream().maxQueryTime())
                .isEqualTo(Duration.ofSeconds(15));
        assertThat(loader.load(file, Map.of("SLUICE_DOWNSTREAM_MAX_QUERY_TIME", "15s"), Map.of("downstream.max-query-time", "25s"))
                .downstream().maxQueryTime()).isEqualTo(Duration.ofSeconds(25));
    }

    @Test
    void aLeaseTtlEqualToTheQueryTimeIsValid() {
        SluiceConfig c = loader.load(null, Map.of(), Map.of("slots.lease-ttl", "300ms", "slots.renew-every", "100ms",
                "downstream.max-query-time", "300ms"));
        assertThat(c.slots().leaseTtl()).isEqualTo(c.downstream().maxQueryTime());
    }

    @Test
    void aLeaseTtlBelowTheQueryTimeIsRefusedNamingBothKeysAndTheirValues() throws IOException {
        String expected = "slots.lease-ttl (20s) must be at least downstream.max-query-time (30s): a crashed worker's "
                + "slot must not return while its query can still run downstream";
        ConfigException fromFile = catchThrowableOfType(ConfigException.class,
                () -> loader.load(yaml("slots:\n  lease-ttl: 20s\n"), Map.of(), Map.of()));
        assertThat(fromFile).isNotNull();
        assertThat(fromFile.key()).isEqualTo("slots.lease-ttl");
        assertThat(fromFile.getMessage()).startsWith(expected);

        ConfigException fromEnv = catchThrowableOfType(ConfigException.class, () -> loader.load(null,
                Map.of("SLUICE_DOWNSTREAM_MAX_QUERY_TIME", "1m"), Map.of()));
        assertThat(fromEnv).isNotNull();
        assertThat(fromEnv.getMessage()).startsWith("slots.lease-ttl (30s) must be at least downstream.max-query-time (1m)");

        ConfigException fromFlag = catchThrowableOfType(ConfigException.class, () -> loader.load(null, Map.of(),
                Map.of("slots.lease-ttl", "3s", "slots.renew-every", "1s")));
        assertThat(fromFlag).isNotNull();
        assertThat(fromFlag.getMessage()).startsWith("slots.lease-ttl (3s) must be at least downstream.max-query-time (30s)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "50ms", "2h", "PT1H0.001S"})
    void aQueryTimeOutsideItsRangeIsRefusedNamingTheRange(String value) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.load(null, Map.of(),
                Map.of("downstream.max-query-time", value, "slots.lease-ttl", "2h", "slots.renew-every", "10s")));
        assertThat(e).isNotNull();
        assertThat(e.key()).isEqualTo("downstream.max-query-time");
        assertThat(e.getMessage()).startsWith("downstream.max-query-time: ").contains("is out of range; valid: 100ms..1h");
    }
}
