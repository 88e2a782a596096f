package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a kustomization the way {@code kubectl apply -k} would: with {@code kustomize build} when
 * that binary is on PATH, else {@code kubectl kustomize}. Our kustomizations use {@code labels:} and
 * directory resources, which need kustomize v4 or newer (kubectl 1.21+); an older renderer is reported,
 * not silently used.
 */
final class Kustomize {
    private static final Pattern VERSION = Pattern.compile("v(\\d+)\\.(\\d+)");
    private static final Renderer RENDERER = find();

    private Kustomize() {
    }

    /** Why rendering is not possible here, or empty when it is. */
    static Optional<String> unavailable() {
        return Optional.ofNullable(RENDERER.whyNot());
    }

    static String describe() {
        return String.join(" ", RENDERER.command()) + " (" + RENDERER.version() + ")";
    }

    /** Every document {@code dir}'s kustomization renders to; fails with the renderer's stderr. */
    static List<JsonNode> render(Path dir) {
        List<String> cmd = new ArrayList<>(RENDERER.command());
        cmd.add(dir.toString());
        Result r = run(cmd);
        if (r.exit() != 0) {
            throw new AssertionError(DeployFiles.rel(dir) + " does not render: " + String.join(" ", cmd) + " exited " + r.exit()
                    + "\n" + r.err());
        }
        try (YAMLParser parser = (YAMLParser) DeployFiles.YAML.getFactory().createParser(r.out())) {
            List<JsonNode> docs = new ArrayList<>();
            DeployFiles.YAML.readValues(parser, JsonNode.class).forEachRemaining(n -> {
                if (n != null && !n.isNull()) docs.add(n);
            });
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("rendered " + DeployFiles.rel(dir) + " is not YAML", e);
        }
    }

    private record Renderer(List<String> command, String version, String whyNot) {
    }

    private static Renderer find() {
        Result k = run(List.of("kustomize", "version"));
        if (k.exit() == 0) {
            return checked(List.of("kustomize", "build"), k.out() + k.err());
        }
        Result kc = run(List.of("kubectl", "version", "--client"));
        if (kc.exit() != 0) {
            return new Renderer(List.of(), "none", "neither `kustomize` nor `kubectl` is on PATH"
                    + " (.ci/run installs kubectl when missing; locally: install kubectl 1.21+ or kustomize 4+)");
        }
        String text = kc.out() + kc.err();
        Matcher m = Pattern.compile("Kustomize Version: (v[0-9.]+)").matcher(text);
        if (m.find()) {
            return checked(List.of("kubectl", "kustomize"), m.group(1));
        }
        return new Renderer(List.of("kubectl", "kustomize"), text.strip(), "kubectl here embeds kustomize v2 (kubectl < 1.21: "
                + text.strip().lines().findFirst().orElse("") + "), which lacks `labels:` and directory resources; install kubectl 1.21+");
    }

    private static Renderer checked(List<String> command, String versionText) {
        Matcher m = VERSION.matcher(versionText);
        if (!m.find()) {
            return new Renderer(command, versionText, "cannot read the kustomize version from: " + versionText.strip());
        }
        int major = Integer.parseInt(m.group(1));
        String v = m.group();
        return new Renderer(command, v, major >= 4 ? null : "kustomize " + v + " is older than v4 (needed for `labels:`)");
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(List<String> cmd) {
        try {
            Path err = Files.createTempFile("kustomize", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                var out = p.getInputStream().readAllBytes();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(-1, "", "timed out");
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(-1, "", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
    }
}
