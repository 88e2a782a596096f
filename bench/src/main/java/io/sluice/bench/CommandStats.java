package io.sluice.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Redis' own count of commands run, including those inside Lua scripts ({@code INFO commandstats}).
 * Speaks RESP over a plain socket, so that it runs the same in the CLI and in the Redisson jar,
 * whichever Redis client (and Netty) each carries. {@code redis://[user:password@]host[:port]} only.
 */
final class CommandStats implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    CommandStats(String uri) throws IOException {
        URI u = URI.create(uri);
        if (!"redis".equals(u.getScheme())) {
            throw new IllegalArgumentException("the bench counts commands over redis://host:port only, not " + u.getScheme() + "://");
        }
        socket = new Socket();
        socket.connect(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort()), 5_000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
        if (u.getRawUserInfo() != null) {
            String[] userPass = u.getRawUserInfo().split(":", 2);
            String pass = URLDecoder.decode(userPass[userPass.length - 1], StandardCharsets.UTF_8);
            String reply = userPass.length == 2 && !userPass[0].isEmpty()
                    ? call("AUTH", URLDecoder.decode(userPass[0], StandardCharsets.UTF_8), pass) : call("AUTH", pass);
            if (!reply.equals("OK")) {
                throw new IOException("AUTH refused: " + reply);
            }
        }
    }

    /** Calls per command since the server started (or CONFIG RESETSTAT). */
    Map<String, Long> snapshot() {
        try {
            return parse(call("INFO", "commandstats"));
        } catch (IOException e) {
            throw new IllegalStateException("INFO commandstats failed", e);
        }
    }

    /** The {@code calls=} of every {@code cmdstat_<name>:} line of an INFO reply. */
    static Map<String, Long> parse(String info) {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : info.split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            int at = line.indexOf("calls=") + "calls=".length();
            int end = line.indexOf(',', at);
            calls.put(name, Long.parseLong(line.substring(at, end < 0 ? line.length() : end)));
        }
        return calls;
    }

    /**
     * Commands run between two snapshots taken one after the other on this connection: the
     * earlier snapshot's own INFO is counted in {@code after} (a command is counted once it has
     * run), so one {@code info} is taken off.
     */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L) - (k.equals("info") ? 1 : 0);
            if (n > 0) {
                d.put(k, n);
            }
        });
        return d;
    }

    /**
     * The loopback floor of any Redis contender: round trips of {@code PING} on this connection,
     * sorted, in nanoseconds (one thread, nothing else in flight on it).
     */
    long[] pingRoundTrips(int count) {
        long[] nanos = new long[count];
        try {
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                call("PING");
                nanos[i] = System.nanoTime() - start;
            }
        } catch (IOException e) {
            throw new IllegalStateException("PING failed", e);
        }
        java.util.Arrays.sort(nanos);
        return nanos;
    }

    static long total(Map<String, Long> delta) {
        return delta.values().stream().mapToLong(Long::longValue).sum();
    }

    private String call(String... args) throws IOException {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        String head = line();
        return switch (head.charAt(0)) {
            case '+' -> head.substring(1);
            case '-' -> throw new IOException("redis: " + head.substring(1));
            case '$' -> new String(in.readNBytes(Integer.parseInt(head.substring(1)) + 2), StandardCharsets.UTF_8).stripTrailing();
            default -> throw new IOException("unexpected reply " + head);
        };
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("redis closed the connection");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
