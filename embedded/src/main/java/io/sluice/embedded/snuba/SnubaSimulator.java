package io.sluice.embedded.snuba;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP server that speaks Snuba's query API as Sluice uses it (DESIGN section 5): SnQL
 * queries answered from {@link SyntheticData}, an exact concurrency limit per referrer that
 * answers 429 like Snuba, a latency model, and faults that can be injected at run time.
 *
 * <p>Endpoints: {@code POST /{dataset}/snql}; {@code GET /stats}, {@code POST /stats/reset};
 * {@code GET|POST|DELETE /admin/faults}. Each request runs on its own virtual thread.
 *
 * <pre>{@code
 * try (SnubaSimulator snuba = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(20)).start()) {
 *     String url = snuba.url(); // http://127.0.0.1:PORT
 * }
 * }</pre>
 */
public final class SnubaSimulator implements AutoCloseable {
    static {
        // The JDK server leaves Nagle's algorithm on by default: headers and body then go out as two
        // packets and the second waits for the client's delayed ACK, adding ~40-200 ms to every answer.
        // Read once per JVM, when the first HttpServer is made, hence here and in MetricsServer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final int BACKLOG = 1024;
    private static final int MAX_BODY_BYTES = 1 << 20;

    private final Options options;
    private final ObjectMapper json = new ObjectMapper();
    private final SyntheticData data;
    private final ConcurrencyGate gate;
    private final RequestCounters counters = new RequestCounters();
    private final SnqlHandler snql;
    private volatile Faults faults = Faults.none();
    private volatile CompletableFuture<Void> unstalled = CompletableFuture.completedFuture(null);
    private HttpServer server;
    private ExecutorService executor;

    public SnubaSimulator(Options options) {
        this.options = Objects.requireNonNull(options, "options");
        this.data = SyntheticData.withSeed(options.seed());
        this.gate = new ConcurrencyGate(options.limit());
        this.snql = new SnqlHandler(json, data, gate, counters, new Random(options.seed()), options.latency(),
                options.maxStall(), () -> faults, () -> unstalled);
    }

    /** Binds the port and starts serving; a no-op when running. */
    public synchronized SnubaSimulator start() {
        if (server != null) {
            return this;
        }
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(options.host()), options.port()), BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the Snuba simulator to " + options.host() + ":" + options.port()
                    + "; choose another port or 0 for a free one", e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::route);
        server.start();
        return this;
    }

    /** Stops serving; queries being held are interrupted and their connections closed. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        unstalled.complete(null);
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server = null;
        executor = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** {@code http://HOST:PORT}, the value for {@code snuba.url}. */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("the Snuba simulator is not started");
        }
        String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host();
        return "http://" + host + ":" + port();
    }

    public synchronized int port() {
        return server == null ? options.port() : server.getAddress().getPort();
    }

    public SyntheticData data() {
        return data;
    }

    public Options options() {
        return options;
    }

    public SimulatorStats stats() {
        return counters.snapshot(gate);
    }

    /** Zeroes the counters; peaks restart from what is in flight now. */
    public void resetStats() {
        counters.reset();
        gate.resetPeaks();
    }

    /** Queries in flight now, all referrers: sample it to chart concurrency over time. */
    public int inFlight() {
        return gate.inFlight();
    }

    /** SnQL requests received since start or the last reset, whatever their answer: cheap enough to sample every few ms. */
    public long requests() {
        return counters.requests.sum();
    }

    public int inFlight(String referrer) {
        return gate.inFlight(referrer);
    }

    /** Changes the concurrency limit per referrer at run time; queries already in flight keep running. */
    public void limit(int limit) {
        gate.limit(limit);
    }

    public int limit() {
        return gate.limit();
    }

    public Faults faults() {
        return faults;
    }

    /** Replaces the injected faults; clearing {@code stall} releases the held queries at once. */
    public synchronized void faults(Faults newFaults) {
        Objects.requireNonNull(newFaults, "faults");
        if (newFaults.stall() && unstalled.isDone()) {
            unstalled = new CompletableFuture<>();
        }
        faults = newFaults;
        if (!newFaults.stall()) {
            unstalled.complete(null);
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String[] segments = path.substring(1).split("/");
            if (segments.length == 2 && segments[1].equals("snql") && !segments[0].isEmpty()) {
                if (!method.equals("POST")) {
                    send(exchange, 405, error("method_not_allowed", method + " " + path + "; valid: POST"));
                    return;
                }
                SnqlHandler.Answer answer = snql.handle(exchange.getRequestHeaders().getFirst("Referer"), body(exchange));
                send(exchange, answer.status(), answer.body());
            } else if (path.equals("/stats") && method.equals("GET")) {
                send(exchange, 200, stats());
            } else if (path.equals("/stats/reset") && method.equals("POST")) {
                resetStats();
                send(exchange, 200, stats());
            } else if (path.equals("/admin/faults")) {
                adminFaults(exchange, method);
            } else {
                send(exchange, 404, error("not_found", method + " " + path
                        + "; valid: POST /{dataset}/snql, GET /stats, POST /stats/reset, GET|POST|DELETE /admin/faults"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping: the connection is closed without an answer
        }
    }

    private void adminFaults(HttpExchange exchange, String method) throws IOException {
        switch (method) {
            case "GET" -> send(exchange, 200, faults);
            case "DELETE" -> {
                faults(Faults.none());
                send(exchange, 200, faults);
            }
            case "POST", "PUT" -> {
                Faults parsed;
                try {
                    parsed = json.readValue(body(exchange), Faults.class);
                } catch (IOException e) {
                    send(exchange, 400, error("invalid_faults", rootMessage(e)));
                    return;
                }
                faults(parsed);
                send(exchange, 200, faults);
            }
            default -> send(exchange, 405, error("method_not_allowed", method + " /admin/faults; valid: GET, POST, DELETE"));
        }
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new IOException("request body over " + MAX_BODY_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private void send(HttpExchange exchange, int status, Object body) throws IOException {
        if (body instanceof SnqlHandler.WithQuotaStats answer) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length());
            answer.writeTo(exchange.getResponseBody());
            return;
        }
        byte[] bytes = body instanceof byte[] serialized ? serialized : json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static Map<String, Object> error(String type, String message) {
        return Map.of("error", Map.of("type", type, "message", message));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * Simulator settings.
     *
     * @param host     address to bind; 127.0.0.1 by default
     * @param port     0 = a free port
     * @param limit    concurrent queries per referrer before 429 (Snuba's default for this referrer is 100)
     * @param latency  how long each admitted query is held
     * @param seed     seeds both {@link SyntheticData} and the RNG behind latency and faults
     * @param maxStall the longest a stalled query is held
     */
    public record Options(String host, int port, int limit, LatencyModel latency, long seed, Duration maxStall) {
        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(latency, "latency");
            Objects.requireNonNull(maxStall, "maxStall");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port " + port + " is out of range; valid: 0 (free port) or 1..65535");
            }
            if (limit < 1) {
                throw new IllegalArgumentException("limit " + limit + " is invalid; valid: >= 1");
            }
        }

        /** 127.0.0.1, a free port, limit 100, log-normal latency (median 200 ms, sigma 0.5), default seed, 60 s max stall. */
        public static Options defaults() {
            return new Options("127.0.0.1", 0, 100, LatencyModel.logNormal(Duration.ofMillis(200), 0.5),
                    SyntheticData.DEFAULT_SEED, Duration.ofSeconds(60));
        }

        public Options withHost(String h) {
            return new Options(h, port, limit, latency, seed, maxStall);
        }

        public Options withPort(int p) {
            return new Options(host, p, limit, latency, seed, maxStall);
        }

        public Options withLimit(int l) {
            return new Options(host, port, l, latency, seed, maxStall);
        }

        public Options withLatency(LatencyModel l) {
            return new Options(host, port, limit, l, seed, maxStall);
        }

        public Options withSeed(long s) {
            return new Options(host, port, limit, latency, s, maxStall);
        }

        public Options withMaxStall(Duration d) {
            return new Options(host, port, limit, latency, seed, d);
        }
    }
}
