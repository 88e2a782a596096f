package io.sluice.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a {@code redis-server} executable: the system one when it is on {@code PATH}, else the
 * one shipped inside the {@code embedded-redis} jar, extracted once per JVM to a temp file.
 */
public final class RedisBinary {
    private static Path extracted;

    private RedisBinary() {}

    /** The binary to run; prefers {@code redis-server} on {@code PATH}. */
    public static synchronized Path resolve() {
        return onPath().orElseGet(RedisBinary::bundled);
    }

    /** {@code redis-server} from {@code PATH}, if there is one. */
    public static Optional<Path> onPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The binary shipped in the embedded-redis jar for this OS and architecture, extracted to a temp file. */
    public static synchronized Path bundled() {
        if (extracted != null && Files.isExecutable(extracted)) {
            return extracted;
        }
        String resource = bundledResourceName();
        try (InputStream in = RedisBinary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("redis-server binary " + resource
                        + " is not on the classpath; add com.github.codemonstur:embedded-redis or put redis-server on PATH");
            }
            Path file = Files.createTempFile("sluice-redis-server-", "");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                if (!file.toFile().setExecutable(true)) {
                    throw new IOException("cannot make " + file + " executable", e);
                }
            }
            file.toFile().deleteOnExit();
            extracted = file;
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource + " to a temp file", e);
        }
    }

    static String bundledResourceName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        if (os.contains("linux") && x64) {
            return "/redis-server-6.2.6-v5-linux-amd64";
        }
        if (os.contains("linux") && arm) {
            return "/redis-server-6.2.7-linux-arm64";
        }
        if (os.contains("mac") && x64) {
            return "/redis-server-6.2.6-v5-darwin-amd64";
        }
        if (os.contains("mac") && arm) {
            return "/redis-server-6.2.6-v5-darwin-arm64";
        }
        throw new IllegalStateException("no bundled redis-server for os.name=" + os + " os.arch=" + arch
                + "; valid: linux or mac on amd64/aarch64, or put redis-server on PATH");
    }
}
