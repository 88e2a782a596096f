package io.sluice.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code java -jar sluice.jar ...} child process with small JVM flags, its output in a log file.
 * Killing is {@code SIGKILL} ({@link #kill()}), stopping is {@code SIGTERM} ({@link #terminate}).
 */
public final class ChildJvm {
    private static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String name;
    private final Process process;
    private final Path log;
    private volatile boolean expectedEnd;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static ChildJvm start(String name, Path jar, Path logDir, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(JVM_FLAGS);
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");   // Kafka and Netty still use it
        }
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The child's settings come from its config file only, not from this JVM's environment.
        builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
        try {
            return new ChildJvm(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    Process process() {
        return process;
    }

    /** True once this process was killed or stopped on purpose; its end is then no failure. */
    boolean expectedEnd() {
        return expectedEnd;
    }

    /** SIGKILL, as a node failure or the OOM killer would; returns once the process is gone. */
    void kill() {
        expectedEnd = true;
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM and wait; SIGKILL if it outlives {@code grace}. Returns the exit code (-1 when killed after all). */
    public int terminate(Duration grace) {
        expectedEnd = true;
        process.destroy();
        if (awaitExit(grace)) {
            return process.exitValue();
        }
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
        return -1;
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The java binary of this JVM, so children run on the same JDK. */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The shaded CLI jar: {@code -Dsluice.jar}, else the jar this class was loaded from, else
     * {@code cli/target/sluice.jar} or {@code target/sluice.jar} under the working directory.
     */
    public static Path locateJar() {
        String property = System.getProperty("sluice.jar");
        if (property != null && !property.isBlank()) {
            return requireFile(Path.of(property), "-Dsluice.jar");
        }
        try {
            Path self = Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self) && self.getFileName().toString().endsWith(".jar")) {
                return self;
            }
        } catch (Exception e) {
            // fall through to the usual places
        }
        for (String candidate : List.of("cli/target/sluice.jar", "target/sluice.jar")) {
            Path p = Path.of(candidate).toAbsolutePath();
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find sluice.jar (looked at -Dsluice.jar, this class's jar, "
                + "cli/target/sluice.jar and target/sluice.jar under " + Path.of("").toAbsolutePath()
                + "); build it with ./mvnw -pl cli -am package -DskipTests");
    }

    private static Path requireFile(Path p, String where) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(where + " points at " + p + ", which is not a file; build the jar first");
        }
        return p.toAbsolutePath();
    }
}
