package io.sluice.worker;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.metrics.HealthState;
import io.sluice.metrics.MetricsServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A worker opens exactly one server socket, the metrics port, bound where {@code metrics.bind} says.
 * Read from {@code /proc/self/net/tcp{,6}}: LISTEN sockets whose inode is one of this JVM's descriptors
 * (the in-process broker and simulator listen too; they are started before the first snapshot).
 */
class SecurityListenersTest {
    /** Listening sockets of this process: local port → local address as /proc prints it (hex). */
    private static Map<Integer, String> listening() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // the descriptor closed meanwhile
                }
            });
        }
        Map<Integer, String> out = new HashMap<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) continue;
            for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    String[] local = f[1].split(":");
                    out.put(Integer.parseInt(local[1], 16), local[0]);
                }
            }
        }
        return out;
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (!nic.isUp() || nic.isLoopback()) continue;
            for (InetAddress a : nic.inetAddresses().toList()) {
                if (a instanceof Inet4Address) return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    @Test
    void theOnlyNewListeningSocketIsTheMetricsPortOnTheConfiguredAddress() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/net/tcp")), "needs Linux /proc to list listening sockets");
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                     .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
             StackFixture stack = new StackFixture(sim.url(), Map.of("kafka.topics.partitions", "2"))) {
            Map<Integer, String> before = listening();

            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Worker worker = stack.startWorker("ports-w0", registry);
            HealthState health = new HealthState().readiness("slot-pool", worker.loop()::gateHealthy);
            try (MetricsServer metrics = MetricsServer.start("127.0.0.1", 0, registry, health)) {
                List<Long> orgs = LongStream.rangeClosed(1, 20).boxed().toList();
                stack.publish("r-ports", orgs, 10);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                        .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));

                Map<Integer, String> added = new HashMap<>(listening());
                added.keySet().removeAll(before.keySet());
                assertThat(added).as("server sockets opened by the worker and its metrics server")
                        .containsOnlyKeys(metrics.port());
                // /proc hex: 127.0.0.1 in tcp, or ::ffff:127.0.0.1 in tcp6 (the JDK's dual-stack socket), never 0.0.0.0/::.
                assertThat(added.get(metrics.port())).as("bound to 127.0.0.1")
                        .isIn("0100007F", "0000000000000000FFFF00000100007F");

                Optional<InetAddress> other = nonLoopbackAddress();
                if (other.isPresent()) {
                    assertThatThrownBy(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(other.get(), metrics.port()), 2_000);
                        }
                    }).as("metrics port on %s", other.get()).isInstanceOf(ConnectException.class);
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), metrics.port()), 2_000);
                }
            }
        }
    }
}
