package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Redisson contender in a child JVM from bench's own jar, so that Redisson runs on the
 * Netty it is built for and never shares a class path with Sluice's Lettuce. The jar is found at
 * {@code -Dsluice.bench.jar}, {@code $SLUICE_BENCH_JAR}, next to the CLI's jar
 * ({@code cli/target/../../bench/target}) or under the working directory.
 */
final class RedissonProcess {
    static final String JAR_NAME = "sluice-bench.jar";

    record Outcome(BenchResult result, BenchResult.Raw raw) {}

    private RedissonProcess() {}

    static Path jar() {
        List<Path> candidates = new ArrayList<>();
        String property = System.getProperty("sluice.bench.jar");
        if (property != null) {
            candidates.add(Path.of(property));
        }
        String env = System.getenv("SLUICE_BENCH_JAR");
        if (env != null) {
            candidates.add(Path.of(env));
        }
        try {
            Path code = Path.of(RedissonProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // cli/target/sluice.jar, or bench/target/classes when run from the module itself
            candidates.add(code.getParent().resolve("../../bench/target/" + JAR_NAME).normalize());
            candidates.add(code.getParent().resolve(JAR_NAME).normalize());
        } catch (Exception ignored) {
            // no code source: fall back to the working directory
        }
        candidates.add(Path.of("bench/target/" + JAR_NAME).toAbsolutePath());
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() -> new IllegalStateException(
                JAR_NAME + " not found at " + candidates + "; build it with `./mvnw -pl bench -am package -DskipTests`"
                        + " or name it with -Dsluice.bench.jar=PATH"));
    }

    /** One Redisson run with {@code o}'s workload against {@code redisUri}; the child's stderr goes to ours. */
    static Outcome run(BenchOptions o, String redisUri) throws IOException, InterruptedException {
        BenchOptions child = new BenchOptions(o.clients(), o.threads(), o.limit(), o.hold(), o.warmUp(), o.duration(),
                o.giveUp(), o.rawThreads(), o.rawDuration(), List.of("redisson"), 0, 1, true, redisUri);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow"); // Netty 4.1 still uses sun.misc.Unsafe
        }
        cmd.addAll(List.of("-jar", jar().toString()));
        cmd.addAll(child.toArgs());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        long budgetMs = o.warmUp().plus(o.duration()).plus(o.rawDuration()).toMillis() + TimeUnit.MINUTES.toMillis(5);
        if (!p.waitFor(budgetMs, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("the Redisson bench JVM did not finish: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new IOException("the Redisson bench JVM exited with " + p.exitValue() + ": " + String.join(" ", cmd));
        }
        String[] lines = out.strip().split("\n");
        JsonNode round = Report.JSON.readTree(lines[lines.length - 1]).path("rounds").path(0);
        BenchResult result = Report.JSON.treeToValue(round.path("results").path(0), BenchResult.class);
        JsonNode raw = round.path("raw").path(0);
        return new Outcome(result, raw.isMissingNode() ? null : Report.JSON.treeToValue(raw, BenchResult.Raw.class));
    }
}
