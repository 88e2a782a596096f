package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.SharedServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        Path cfg = config("w.yaml", SharedServers.redis().uri());
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
        Path cfg = config("w2.yaml", "redis://127.0.0.1:" + port);
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

    /** A worker config whose broker never answers (port 1), so start-up waits in its topic check. */
    private Path config(String name, String redisUri) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n",
                "kafka:",
                "  bootstrap-servers: 127.0.0.1:1",
                "redis:",
                "  uri: " + redisUri,
                "slots:",
                "  pool: " + SharedServers.uniqueName("lifecycle"),
                "  assume-new-pool: true",
                "metrics:",
                "  port: 0",
                ""));
    }

    private static Process sluice(Path log, String... args) throws IOException {
        return CliProcess.start(log, args);
    }
}
