package io.sluice.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} (Prometheus text), {@code /healthz} and {@code /readyz} on
 * {@code metrics.bind:metrics.port}. Nothing else listens.
 */
public final class MetricsServer implements AutoCloseable {
    static {
        // Without it the JDK server waits for delayed ACKs between headers and body (Nagle).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    public static MetricsServer start(String bind, int port, PrometheusMeterRegistry registry, HealthState health) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/metrics", ex -> {
            if (notGet(ex)) return;
            respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        });
        server.createContext("/healthz", ex -> {
            if (notGet(ex)) return;
            respondChecks(ex, health.live(), health.livenessChecks());
        });
        server.createContext("/readyz", ex -> {
            if (notGet(ex)) return;
            respondChecks(ex, health.ready(), health.readinessChecks());
        });
        server.createContext("/", ex -> respond(ex, 404, "text/plain", "not found; try /metrics, /healthz, /readyz\n"));
        server.start();
        return new MetricsServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static boolean notGet(HttpExchange ex) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            respond(ex, 405, "text/plain", "only GET\n");
            return true;
        }
        return false;
    }

    private static void respondChecks(HttpExchange ex, boolean ok, Map<String, Boolean> checks) throws IOException {
        StringBuilder sb = new StringBuilder(ok ? "ok\n" : "not ok\n");
        checks.forEach((name, pass) -> sb.append(pass ? "[+] " : "[-] ").append(name).append('\n'));
        respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", sb.toString());
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, "HEAD".equals(ex.getRequestMethod()) ? -1 : bytes.length);
        if (!"HEAD".equals(ex.getRequestMethod())) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
