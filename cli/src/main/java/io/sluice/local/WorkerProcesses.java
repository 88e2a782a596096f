package io.sluice.local;

import io.sluice.chaos.ChildJvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The production shape for {@code sluice local --worker-processes}: each worker a {@code sluice worker}
 * process of its own (the chaos drill's child JVMs: -Xmx256m, serial GC, C1 only), all against this
 * process's broker, Redis and simulator, configured with the same overrides as in-process workers.
 */
final class WorkerProcesses implements AutoCloseable {
    private final List<ChildJvm> children = new ArrayList<>();

    WorkerProcesses(int count, Map<String, String> overrides, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path jar = ChildJvm.locateJar();
        for (int i = 0; i < count; i++) {
            List<String> args = new ArrayList<>(List.of("worker", "--id", "local-w" + i));
            overrides.forEach((k, v) -> {
                args.add("--set");
                args.add(k + "=" + v);
            });
            args.add("--set");
            args.add("metrics.port=0");
            children.add(ChildJvm.start("local-w" + i, jar, logDir, args));
        }
    }

    /** Waits until every worker has logged its start (its consumer subscribed), at most {@code timeout}. */
    void awaitStarted(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ChildJvm c : children) {
            while (!started(c)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("worker " + c.name() + " did not start within " + timeout + "; see " + c.log());
                }
                if (!c.isAlive()) {
                    throw new IllegalStateException("worker " + c.name() + " exited; see " + c.log());
                }
                Thread.sleep(100);   // polling a log file: there is no event to wait for
            }
        }
    }

    private static boolean started(ChildJvm c) throws IOException {
        return Files.exists(c.log()) && Files.readString(c.log()).contains("output exactly once")
                || Files.exists(c.log()) && Files.readString(c.log()).contains("output at least once");
    }

    /** CPU seconds (user + system) the worker processes used so far, from /proc; 0 off Linux. */
    double cpuSeconds() {
        double sum = 0;
        for (ChildJvm c : children) {
            try {
                String stat = Files.readString(Path.of("/proc/" + c.pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;   // utime, stime in clock ticks (100 Hz)
            } catch (IOException | RuntimeException e) {
                // gone, or not Linux
            }
        }
        return sum;
    }

    @Override
    public void close() {
        children.forEach(c -> c.terminate(Duration.ofSeconds(15)));
    }
}
