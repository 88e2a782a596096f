package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.SharedServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process sent SIGTERM while it is still starting (a pod deleted during start-up, the
 * chaos run's churn worker on a slow machine) stops cleanly with exit 0, not the JVM's 143.
 */
class WorkerLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void sigtermDuringStartUpExitsZero() throws Exception {
        // No broker answers on port 1, so start-up waits in its topic check (bounded by the startup timeout).
        Path cfg = Files.writeString(dir.resolve("w.yaml"), String.join("\n",
                "kafka:",
                "  bootstrap-servers: 127.0.0.1:1",
                "redis:",
                "  uri: " + SharedServers.redis().uri(),
                "slots:",
                "  pool: " + SharedServers.uniqueName("lifecycle"),
                "  assume-new-pool: true",
                "metrics:",
                "  port: 0",
                ""));
        Path log = dir.resolve("worker.log");
        Process p = sluice(log, "worker", "--config", cfg.toString(), "--id", "starting");
        // The slot pool is open and the Kafka admin client is trying the broker: start-up is under way.
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(log) && Files.readString(log).contains("127.0.0.1:1"));
        assertThat(p.isAlive()).isTrue();
        p.destroy();   // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("log:\n" + Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("worker starting stopped on signal during start-up");
    }

    /** A worker started while Redis is down (restarting, failing over) waits for it instead of exiting 1. */
    @Test
    void aWorkerStartedWhileRedisRefusesConnectionsWaitsForIt() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path cfg = Files.writeString(dir.resolve("w2.yaml"), String.join("\n",
                "kafka:",
                "  bootstrap-servers: 127.0.0.1:1",
                "redis:",
                "  uri: redis://127.0.0.1:" + port,
                "slots:",
                "  pool: " + SharedServers.uniqueName("lifecycle"),
                "  assume-new-pool: true",
                "metrics:",
                "  port: 0",
                ""));
        Path log = dir.resolve("worker2.log");
        Process p = sluice(log, "worker", "--config", cfg.toString(), "--id", "early");
        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive()
                || Files.exists(log) && Files.readString(log).contains("Redis refuses connections"));
        assertThat(p.isAlive()).as("waiting for Redis, not exited; log:\n" + Files.readString(log)).isTrue();
        try (io.sluice.embedded.EmbeddedRedis redis = io.sluice.embedded.EmbeddedRedis.builder().port(port).build().start()) {
            // Past the pool: the Kafka admin client is now trying the (absent) broker.
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log).contains("127.0.0.1:1"));
            assertThat(p.isAlive()).as("log:\n" + Files.readString(log)).isTrue();
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }
    }

    private static Process sluice(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SluiceCli.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
        return b.start();
    }
}
