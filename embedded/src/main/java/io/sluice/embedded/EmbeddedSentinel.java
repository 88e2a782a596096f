package io.sluice.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Sentinel ({@code redis-server <conf> --sentinel}, same binary as {@link EmbeddedRedis})
 * on 127.0.0.1 watching one primary, with short timings for tests: the primary is judged down after
 * {@code downAfter}, and a quorum of sentinels fails over to a replica.
 */
public final class EmbeddedSentinel implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final Process process;

    private EmbeddedSentinel(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /** Starts a sentinel monitoring {@code master} at 127.0.0.1:{@code primaryPort} with the given quorum. */
    public static EmbeddedSentinel start(String master, int primaryPort, int quorum, Duration downAfter) {
        int port = FreePorts.pick();
        try {
            Path dir = Files.createTempDirectory("sluice-sentinel-");
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "daemonize no",
                    "dir " + dir,
                    "sentinel monitor " + master + " 127.0.0.1 " + primaryPort + " " + quorum,
                    "sentinel down-after-milliseconds " + master + " " + downAfter.toMillis(),
                    "sentinel failover-timeout " + master + " 10000",
                    "sentinel parallel-syncs " + master + " 1",
                    ""), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(RedisBinary.resolve().toString(), conf.toString(), "--sentinel")
                    .directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sentinel.log").toFile())).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!answers(port)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("redis sentinel did not start on port " + port + "; log "
                            + Files.readString(dir.resolve("sentinel.log")));
                }
                FreePorts.pause(20);
            }
            return new EmbeddedSentinel(port, dir, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis sentinel", e);
        }
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            s.setSoTimeout(1_000);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            return s.getInputStream().read() == '+';
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return dir.resolve("sentinel.log");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
