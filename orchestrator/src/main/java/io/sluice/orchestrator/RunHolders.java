package io.sluice.orchestrator;

import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;

/** Names a publisher for the run lease: what an operator needs to find it (pod name, pid). */
final class RunHolders {
    private RunHolders() {
    }

    static String describeThisProcess() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "unknown-host";
            }
        }
        return host + "/pid " + ProcessHandle.current().pid() + "/" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 16, 36);
    }
}
