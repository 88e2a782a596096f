package io.sluice.snuba;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A real HTTP server on a free loopback port that records each request and answers with the next scripted
 * reply. A reply can hold (before or after the headers) until {@link #close()}, to play a slow Snuba without
 * the test sleeping.
 */
final class ScriptedSnubaServer implements AutoCloseable {
    record Received(String method, String path, String referer, String contentType, String body) {
    }

    enum Hold { NONE, BEFORE_HEADERS, AFTER_HEADERS }

    record Reply(int status, String body, Hold hold) {
        static Reply of(int status, String body) {
            return new Reply(status, body, Hold.NONE);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final BlockingQueue<Reply> script = new LinkedBlockingQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    ScriptedSnubaServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    ScriptedSnubaServer then(Reply reply) {
        script.add(reply);
        return this;
    }

    ScriptedSnubaServer then(int status, String body) {
        return then(Reply.of(status, body));
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    ex.getRequestHeaders().getFirst("Referer"), ex.getRequestHeaders().getFirst("Content-Type"), body));
            Reply reply = script.poll();
            if (reply == null) {
                reply = Reply.of(500, "{\"error\":{\"type\":\"test\",\"message\":\"no scripted reply left\"}}");
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            if (reply.hold() == Hold.BEFORE_HEADERS) {
                awaitRelease();
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            if (reply.hold() == Hold.AFTER_HEADERS) {
                ex.sendResponseHeaders(reply.status(), 0);   // chunked: the client cannot know the body is short
                OutputStream out = ex.getResponseBody();
                out.write(bytes, 0, bytes.length / 2);
                out.flush();
                awaitRelease();
                return;
            }
            ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            ex.getResponseBody().write(bytes);
        }
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.close();
    }
}
