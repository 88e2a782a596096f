package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.embedded.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * bench/target/sluice-bench.jar (failsafe, after package): Redisson on one Netty line of its own,
 * no Lettuce and no Sluice pool inside, and it runs the Redisson contender as `sluice bench slots` does.
 */
class BenchJarIT {
    private static final Path JAR = Path.of("target", RedissonProcess.JAR_NAME).toAbsolutePath();

    @Test
    void theBenchJarCarriesRedissonOnItsOwnNettyAndNoLettuce() throws Exception {
        assumeTrue(Files.exists(JAR), JAR + " is absent: run `./mvnw -pl bench -am package` first");
        List<String> entries = new ArrayList<>();
        Properties netty = new Properties();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            jar.stream().map(JarEntry::getName).forEach(entries::add);
            netty.load(jar.getInputStream(jar.getEntry("META-INF/io.netty.versions.properties")));
        }
        assertThat(entries).contains("org/redisson/Redisson.class", "io/sluice/bench/BenchJar.class");
        assertThat(entries).noneMatch(e -> e.startsWith("io/lettuce/"));
        assertThat(entries).noneMatch(e -> e.startsWith("io/sluice/slots/"));
        assertThat(netty.stringPropertyNames().stream().filter(k -> k.endsWith(".version")).map(netty::getProperty).distinct())
                .as("one Netty line: %s", netty).hasSize(1).allMatch(v -> v.startsWith("4.1."));
    }

    @Test
    void theRedissonContenderRunsInAChildJvmAndReportsBack() throws Exception {
        assumeTrue(Files.exists(JAR), JAR + " is absent: run `./mvnw -pl bench -am package` first");
        System.setProperty("sluice.bench.jar", JAR.toString());
        BenchOptions o = new BenchOptions(2, 8, 3, Duration.ofMillis(5), Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofSeconds(10), 4, Duration.ZERO, List.of("redisson"), 0, 1, false, null);
        RedissonProcess.Outcome out = RedissonProcess.run(o, SharedServers.redis().uri());
        BenchResult r = out.result();
        assertThat(r.contender()).isEqualTo("redisson");
        assertThat(r.clients()).isEqualTo(2);
        assertThat(r.grants()).isPositive();
        assertThat(r.peakConcurrency()).isBetween(1, 3);
        assertThat(r.errors()).as(r.firstError()).isZero();
        assertThat(r.redisCommandsPerGrant()).isPositive();
        assertThat(out.raw()).isNull();
    }
}
