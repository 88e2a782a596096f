package io.sluice.embedded;

import org.apache.kafka.common.utils.internals.Exit;

/** Kafka calls {@code Exit.exit/halt} on fatal errors; an in-process broker must not kill the host JVM. */
final class ExitGuard {
    private static boolean installed;

    private ExitGuard() {
    }

    static synchronized void install() {
        if (installed) {
            return;
        }
        Exit.setExitProcedure((status, message) -> {
            throw new IllegalStateException("embedded Kafka asked to exit(" + status + "): " + message);
        });
        Exit.setHaltProcedure((status, message) -> {
            throw new IllegalStateException("embedded Kafka asked to halt(" + status + "): " + message);
        });
        installed = true;
    }
}
