package io.sluice.cli;

import io.sluice.embedded.SharedServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sluice worker --config F} with bad configuration exits 2 with a message naming the key,
 * before it connects to anything: Kafka and Redis point at a tripwire that accepts connections, counts
 * them and never answers, so a connection attempt would both show up and hang for seconds. Unreachable
 * Redis or Kafka at start-up exits 1 with a clear error within a bounded time.
 */
class BadConfigTest {
    @TempDir
    Path dir;
    private Tripwire tripwire;

    /** A port that accepts TCP connections and never says a word, like a hung server. */
    static final class Tripwire implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<Socket> open = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        Tripwire() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            acceptor = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        open.add(server.accept());
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    record Run(int exit, String err, Duration took) {
    }

    @BeforeEach
    void tripwire() throws IOException {
        tripwire = new Tripwire();
    }

    @AfterEach
    void close() throws IOException {
        tripwire.close();
    }

    private Run worker(String... args) {
        CommandLine cmd = SluiceCli.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        long start = System.nanoTime();
        int exit = cmd.execute(Stream.concat(Stream.of("worker"), Stream.of(args)).toArray(String[]::new));
        return new Run(exit, err.toString(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** A config whose servers are all the tripwire, plus the bad part under test. */
    private Path config(String extra) throws IOException {
        String base = """
                kafka:
                  bootstrap-servers: %s
                redis:
                  uri: redis://:pw-for-tripwire@%s
                snuba:
                  url: http://%s
                metrics:
                  bind: 127.0.0.1
                  port: 0
                """.formatted(tripwire.address(), tripwire.address(), tripwire.address());
        return Files.writeString(Files.createTempFile(dir, "worker", ".yaml"), merge(base, extra));
    }

    /** Appends the extra YAML, replacing a top-level section of the base when the extra one has the same name. */
    private static String merge(String base, String extra) {
        String out = base;
        for (String section : List.of("kafka:", "redis:", "snuba:", "metrics:")) {
            if (extra.startsWith(section) || extra.contains("\n" + section)) {
                out = out.replaceFirst("(?m)^" + section + "\\n(  .*\\n)+", "");
            }
        }
        return out + extra;
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("slots:\n  limt: 5\n", "unknown key 'slots.limt'", "did you mean 'slots.limit'?"),
                Arguments.of("worker:\n  retry:\n    max-backof: 1m\n", "unknown key 'worker.retry.max-backof'", "did you mean 'worker.retry.max-backoff'?"),
                Arguments.of("slots:\n  lease-ttl: 30 secs\n", "slots.lease-ttl: '30 secs' is not a duration", "250ms, 2s, 5m"),
                Arguments.of("slots:\n  lease-ttl: 99999999999999999999s\n", "slots.lease-ttl: '99999999999999999999s' is too long",
                        "valid: 0ms..365d"),
                Arguments.of("slots:\n  limit: 0\n", "slots.limit: 0 is out of range", "valid: 1..1000000"),
                Arguments.of("slots:\n  lease-ttl: 20s\n", "slots.lease-ttl (20s) must be at least downstream.max-query-time (30s)",
                        "its query can still run downstream"),
                Arguments.of("worker:\n  max-in-flight: many\n", "worker.max-in-flight: 'many' is not a whole number", "valid: 1..10000"),
                Arguments.of("snuba:\n  url: localhost:1218\n", "snuba.url", "http(s) URL"),
                Arguments.of("slots: [oops\n", "is not valid YAML", ""),
                Arguments.of("kafka:\n  consumer:\n    max.pol.records: 5\n", "kafka.consumer.max.pol.records", "did you mean max.poll.records?"),
                Arguments.of("kafka:\n  bootstrap-servers: 127.0.0.1:1\n  consumer:\n    max.poll.records: lots\n",
                        "kafka.common / kafka.consumer", "max.poll.records"),
                Arguments.of("kafka:\n  bootstrap-servers: 127.0.0.1:1\n  common:\n    security.protocol: SASL_PLAINTXT\n",
                        "kafka.common / kafka.consumer", "security.protocol"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badConfigs")
    void badConfigExits2WithTheKeyBeforeConnecting(String extra, String message, String hint) throws IOException {
        Run run = worker("--config", config(extra).toString());

        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: ").contains(message).contains(hint);
        assertThat(run.err().lines().count()).as("one line, no stack trace: %s", run.err()).isEqualTo(1);
        assertThat(run.took()).as("returned without waiting on any server").isLessThan(Duration.ofSeconds(3));
        assertThat(tripwire.connections.get()).as("connections made to Kafka/Redis/Snuba").isZero();
    }

    @Test
    void aMissingConfigFileExits2() {
        Run run = worker("--config", dir.resolve("nope.yaml").toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("nope.yaml does not exist");
    }

    @Test
    void aMissingFlagValueExits2() {
        Run run = worker("--config");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required parameter for option '--config'");
    }

    @Test
    void unreachableRedisAtStartUpExits1WithinBoundedTimeAndNoPassword() throws IOException {
        Run run = worker("--config", config("redis:\n  uri: redis://sluice:tripwire-secret-7@" + tripwire.address() + "\n").toString(),
                "--set", "kafka.common.default.api.timeout.ms=8000", "--set", "kafka.common.request.timeout.ms=8000");

        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("cannot open slot pool").contains(String.valueOf(tripwire.server.getLocalPort()))
                .doesNotContain("tripwire-secret-7");
        assertThat(run.took()).as("retried up to default.api.timeout.ms (8 s), each attempt bounded by the 5 s set-up timeout")
                .isLessThan(Duration.ofSeconds(20));
        assertThat(tripwire.connections.get()).as("a silent Redis is asked again (it may be loading a snapshot)")
                .isGreaterThanOrEqualTo(2);
        assertThat(tripwire.connections.get()).as("it did try Redis").isPositive();
    }

    /**
     * A Redis that refuses connections (restarting, failing over) is waited for with back-off up to the
     * start-up timeout, kafka.common default.api.timeout.ms (30 s unset), so a pod started in that moment
     * does not crash-loop; then exit 1, naming the pool and the address, not an exception class.
     */
    @Test
    void refusingRedisAtStartUpIsRetriedUpToTheStartUpTimeoutThenExits1() throws IOException {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();   // free again once closed: connections to it are refused
        }
        Run run = worker("--config", config("redis:\n  uri: redis://127.0.0.1:" + closed + "\n").toString(),
                "--set", "kafka.common.default.api.timeout.ms=4000", "--set", "kafka.common.request.timeout.ms=4000");

        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("error: cannot open slot pool").contains("127.0.0.1:" + closed).doesNotContain("io.sluice.");
        assertThat(run.took()).as("retried up to default.api.timeout.ms (4 s), not longer").isBetween(Duration.ofSeconds(3), Duration.ofSeconds(12));
    }

    @Test
    void aWorkerOnAPoolThatWasNeverDeclaredExits2AndNamesIt() throws IOException {
        String pool = SharedServers.uniqueName("undeclared");
        Run run = worker("--config", config("""
                redis:
                  uri: %s
                slots:
                  pool: %s
                """.formatted(SharedServers.redis().uri(), pool)).toString());

        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains("no pool " + pool);
    }

    @Test
    void unreachableKafkaAtStartUpExits1WithinTheConfiguredTimeout() throws IOException {
        String redis = SharedServers.redis().uri();
        Run run = worker("--config", config("""
                redis:
                  uri: %s
                slots:
                  pool: %s
                  assume-new-pool: true
                kafka:
                  bootstrap-servers: %s
                  common:
                    default.api.timeout.ms: 3000
                    request.timeout.ms: 3000
                """.formatted(redis, SharedServers.uniqueName("badkafka"), tripwire.address())).toString());

        assertThat(run.exit()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("Kafka at " + tripwire.address() + " did not answer within 3000 ms")
                .contains("kafka.bootstrap-servers");
        assertThat(run.took()).as("bounded by default.api.timeout.ms, not a hang").isLessThan(Duration.ofSeconds(20));
    }
}
