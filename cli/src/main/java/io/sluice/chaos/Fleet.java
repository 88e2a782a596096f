package io.sluice.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The run's separate processes: the workers ({@code sluice worker}) and the orchestrator
 * ({@code sluice orchestrator run}), which is supervised like a Kubernetes Job: if it ends with a
 * failure it did not owe to us, it is started again with the same run id and resumes.
 */
final class Fleet implements AutoCloseable {
    private final Path jar;
    private final Path config;
    private final Path logDir;
    private final String runId;
    private final int orgs;
    private final Consumer<String> events;
    private final List<ChildJvm> workers = new CopyOnWriteArrayList<>();
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    private final AtomicInteger workerSerial = new AtomicInteger();
    private final AtomicInteger orchestratorStarts = new AtomicInteger();
    private final AtomicBoolean orchestratorFinished = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile ChildJvm orchestrator;

    Fleet(Path jar, Path config, Path logDir, String runId, int orgs, Consumer<String> events) {
        this.jar = jar;
        this.config = config;
        this.logDir = logDir;
        this.runId = runId;
        this.orgs = orgs;
        this.events = events;
    }

    ChildJvm startWorker() {
        String id = "w" + workerSerial.incrementAndGet();
        ChildJvm w = ChildJvm.start(id, jar, logDir, List.of("worker", "--config", config.toString(), "--id", id));
        workers.add(w);
        w.process().onExit().thenAccept(p -> {
            workers.remove(w);
            if (!w.expectedEnd() && !closing.get()) {
                unexpectedExits.add(id + " exited by itself with " + p.exitValue() + " (log " + w.log() + ")");
                events.accept("worker " + id + " exited by itself with " + p.exitValue() + "; starting a replacement");
                startWorker();
            }
        });
        return w;
    }

    /** Live workers, oldest first. */
    List<ChildJvm> workers() {
        return new ArrayList<>(workers);
    }

    void startOrchestrator() {
        int n = orchestratorStarts.incrementAndGet();
        ChildJvm o = ChildJvm.start("orchestrator-" + n, jar, logDir, List.of("orchestrator", "run", "--config",
                config.toString(), "--run-id", runId, "--orgs-range", "1.." + orgs));
        orchestrator = o;
        o.process().onExit().thenAccept(p -> {
            int code = p.exitValue();
            if (code == 0 && !o.expectedEnd()) {
                orchestratorFinished.set(true);
                events.accept("orchestrator " + o.name() + " finished the run");
            } else if (!o.expectedEnd() && !closing.get()) {
                // Exit 1 keeps progress (e.g. the broker was away too long): a Job controller restarts it.
                events.accept("orchestrator " + o.name() + " exited with " + code + "; restarting it (same run id)");
                if (code == 2) {
                    unexpectedExits.add(o.name() + " exited with 2 (bad usage or configuration; log " + o.log() + ")");
                }
                // A back-off, as a Job controller has, so that a crash loop does not spin.
                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(() -> {
                    if (!closing.get()) startOrchestrator();
                });
            }
        });
    }

    /** SIGKILLs the orchestrator; false if it had already finished. */
    boolean killOrchestrator() {
        ChildJvm o = orchestrator;
        if (o == null || !o.isAlive()) {
            return false;
        }
        o.kill();
        return true;
    }

    boolean orchestratorFinished() {
        return orchestratorFinished.get();
    }

    int orchestratorStarts() {
        return orchestratorStarts.get();
    }

    int workersStarted() {
        return workerSerial.get();
    }

    void unexpectedExit(String what) {
        unexpectedExits.add(what);
    }

    List<String> unexpectedExits() {
        return List.copyOf(unexpectedExits);
    }

    /** SIGTERM to every worker at once, then waits for each; returns "id=exit code" per worker. */
    List<String> stopWorkers(Duration grace) {
        closing.set(true);
        List<ChildJvm> all = workers();
        all.forEach(w -> w.process().destroy());
        List<String> codes = new ArrayList<>();
        for (ChildJvm w : all) {
            codes.add(w.name() + "=" + w.terminate(grace));
        }
        return codes;
    }

    @Override
    public void close() {
        closing.set(true);
        ChildJvm o = orchestrator;
        if (o != null && o.isAlive()) {
            o.kill();
        }
        workers().forEach(ChildJvm::kill);
    }
}
