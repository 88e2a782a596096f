package io.sluice.embedded;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Directory helpers shared by the embedded servers. */
final class Dirs {
    private static final Logger log = LoggerFactory.getLogger(Dirs.class);

    private Dirs() {
    }

    /** Deletes {@code dir} and everything in it; a failure is logged (naming {@code what}), not thrown. */
    static void deleteRecursively(Path dir, String what) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot delete {} {}: {}", what, dir, e.toString());
        }
    }
}
