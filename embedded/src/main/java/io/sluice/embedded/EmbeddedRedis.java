package io.sluice.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on 127.0.0.1, for {@code sluice local} and tests.
 *
 * <p>No persistence by default ({@code save ""}, {@code appendonly no}), so {@link #restart()}
 * comes back empty on the same port, which is how tests simulate Redis losing its data. The
 * binary is the system one when {@code redis-server} is on {@code PATH}, else the one shipped in
 * the embedded-redis jar (see {@link RedisBinary}). Server output goes to {@link #logFile()}.
 *
 * <pre>{@code
 * try (EmbeddedRedis redis = EmbeddedRedis.builder().password("s3cret").build().start()) {
 *     RedisClient client = RedisClient.create(redis.uri());
 * }
 * }</pre>
 */
public final class EmbeddedRedis implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final String DUMP = "dump.rdb";
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        // A test JVM that exits without closing its servers must not leave redis-server behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "embedded-redis-reaper"));
    }

    private final Builder options;
    private final Path workDir;
    private final Path logFile;
    private int port;
    private Process process;

    private EmbeddedRedis(Builder options) {
        this.options = options;
        this.port = options.port;
        try {
            this.workDir = Files.createTempDirectory("sluice-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for redis-server", e);
        }
        this.logFile = workDir.resolve("redis-server.log");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the server and waits until it answers PING; a no-op when it is running. */
    public synchronized EmbeddedRedis start() {
        if (isRunning()) {
            return this;
        }
        boolean portChosenHere = port == 0;
        if (portChosenHere) {
            port = FreePorts.pick();
        }
        try {
            launch();
        } catch (PortClashException e) {
            if (!portChosenHere) {
                throw new IllegalStateException("redis-server cannot bind 127.0.0.1:" + port
                        + ", the port is in use; choose another port or 0 for a free one", e);
            }
            port = FreePorts.pick();
            launch();
        }
        return this;
    }

    /** Stops the server; returns once the process is gone and the port accepts no connections. */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        process = null;
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            LIVE.remove(p);
        }
        if (!FreePorts.awaitClosed(port, Duration.ofSeconds(10))) {
            throw new IllegalStateException("redis-server on port " + port + " stopped but the port still accepts connections");
        }
    }

    /** Stops and starts again on the same port; without persistence the data is gone. */
    public synchronized void restart() {
        stop();
        if (!options.persistence) {
            deleteDump();   // a snapshot() taken meanwhile must not come back
        }
        start();
    }

    /**
     * Writes the dataset to disk now ({@code SAVE}) and copies the RDB file to {@code to}: an
     * older snapshot to {@link #restartFrom} later, as a backup restore or a lagging replica would.
     */
    public synchronized Path snapshot(Path to) {
        call("SAVE");
        try {
            Files.createDirectories(to.toAbsolutePath().getParent());
            return Files.copy(workDir.resolve(DUMP), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy redis-server's snapshot to " + to, e);
        }
    }

    /** Stops, replaces the data with the RDB file {@code rdb}, and starts on the same port: Redis is back as of that snapshot. */
    public synchronized void restartFrom(Path rdb) {
        stop();
        try {
            Files.copy(rdb, workDir.resolve(DUMP), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore " + rdb + " into " + workDir, e);
        }
        start();
        if (!options.persistence) {
            deleteDump();   // loaded; the next plain restart() comes back empty
        }
    }

    /** Runs one command on this server over a fresh connection (set-up and fault drills). */
    public Object call(String... command) {
        return Resp.call(port(), command);
    }

    private void deleteDump() {
        try {
            Files.deleteIfExists(workDir.resolve(DUMP));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + workDir.resolve(DUMP), e);
        }
    }

    /** {@code redis://[:password@]127.0.0.1:PORT}, as Lettuce accepts it. */
    public String uri() {
        String auth = options.password == null ? ""
                : ":" + URLEncoder.encode(options.password, StandardCharsets.UTF_8) + "@";
        return "redis://" + auth + HOST + ":" + port();
    }

    public String host() {
        return HOST;
    }

    /** The port; known once started (or when a fixed port was configured). */
    public synchronized int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Where the server writes its log (stdout and stderr). */
    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() {
        stop();
    }

    private void launch() {
        if (FreePorts.isListening(port)) {
            // Otherwise the readiness PING would be answered by whoever holds the port.
            throw new PortClashException("something already listens on 127.0.0.1:" + port);
        }
        List<String> command = new ArrayList<>(List.of(
                options.binary.toString(),
                "--port", Integer.toString(port),
                "--bind", HOST,
                "--dir", workDir.toString(),
                "--daemonize", "no"));
        if (!options.persistence) {
            command.addAll(List.of("--save", "", "--appendonly", "no"));
        }
        if (options.password != null) {
            command.addAll(List.of("--requirepass", options.password));
        }
        command.addAll(options.extraArgs);
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + options.binary, e);
        }
        LIVE.add(p);
        process = p;
        awaitReady(p);
    }

    private void awaitReady(Process p) {
        long deadline = System.nanoTime() + options.startTimeout.toNanos();
        while (true) {
            if (!p.isAlive()) {
                process = null;
                LIVE.remove(p);
                String log = readLog();
                if (log.contains("Address already in use")) {
                    throw new PortClashException(log);
                }
                throw new IllegalStateException("redis-server exited with " + p.exitValue()
                        + " before answering PING on port " + port + "; log " + logFile + ":\n" + log);
            }
            if (answersPing()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                process = null;
                LIVE.remove(p);
                throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
                        + options.startTimeout + "; log " + logFile + ":\n" + readLog());
            }
            FreePorts.pause(10);
        }
    }

    /** Any RESP reply to PING (including NOAUTH when a password is set) means the server is serving. */
    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(1_000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return line != null && (line.startsWith("+") || line.startsWith("-"));
        } catch (IOException e) {
            return false;
        }
    }

    private String readLog() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    private static final class PortClashException extends IllegalStateException {
        PortClashException(String log) {
            super("port in use:\n" + log);
        }
    }

    /** Options for {@link EmbeddedRedis}; every setter returns this builder. */
    public static final class Builder {
        private int port;
        private String password;
        private boolean persistence;
        private Path binary;
        private Duration startTimeout = Duration.ofSeconds(15);
        private final List<String> extraArgs = new ArrayList<>();

        private Builder() {}

        /** The port to listen on; 0 (the default) picks a free one at start and keeps it across restarts. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port " + port + " is out of range; valid: 0 (free port) or 1..65535");
            }
            this.port = port;
            return this;
        }

        /** Sets {@code requirepass}; null (the default) means no AUTH. */
        public Builder password(String password) {
            this.password = password == null || password.isEmpty() ? null : password;
            return this;
        }

        /** Keeps Redis' default RDB snapshots instead of {@code save ""}/{@code appendonly no}. */
        public Builder persistence(boolean persistence) {
            this.persistence = persistence;
            return this;
        }

        /** The redis-server executable; default {@link RedisBinary#resolve()}. */
        public Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary");
            return this;
        }

        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
            return this;
        }

        /** Extra {@code --name value} arguments, e.g. {@code "--maxclients", "20000"}. */
        public Builder arg(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        public EmbeddedRedis build() {
            if (binary == null) {
                binary = RedisBinary.resolve();
            }
            return new EmbeddedRedis(copy());
        }

        private Builder copy() {
            Builder copy = new Builder();
            copy.port = port;
            copy.password = password;
            copy.persistence = persistence;
            copy.binary = binary;
            copy.startTimeout = startTimeout;
            copy.extraArgs.addAll(extraArgs);
            return copy;
        }
    }
}
