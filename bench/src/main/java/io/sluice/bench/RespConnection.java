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
import java.util.ArrayList;
import java.util.List;

/**
 * A bare RESP2 connection over a plain socket: the bench's own view of Redis, the same in the CLI
 * and in the Redisson jar, whichever client (and Netty) each carries. {@code redis://[user:password@]host[:port]} only.
 */
final class RespConnection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RespConnection(String uri) throws IOException {
        URI u = URI.create(uri);
        if (!"redis".equals(u.getScheme())) {
            throw new IllegalArgumentException("the bench talks to redis://host:port only, not " + u.getScheme() + "://");
        }
        socket = new Socket();
        socket.connect(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort()), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
        if (u.getRawUserInfo() != null) {
            String[] userPass = u.getRawUserInfo().split(":", 2);
            String pass = URLDecoder.decode(userPass[userPass.length - 1], StandardCharsets.UTF_8);
            Object reply = userPass.length == 2 && !userPass[0].isEmpty()
                    ? call("AUTH", URLDecoder.decode(userPass[0], StandardCharsets.UTF_8), pass) : call("AUTH", pass);
            if (!"OK".equals(reply)) {
                throw new IOException("AUTH refused: " + reply);
            }
        }
    }

    /** Sends a command and reads its reply: a String, a Long, a List of those, or null. */
    Object call(String... args) throws IOException {
        send(args);
        return read();
    }

    void send(String... args) throws IOException {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one reply (blocking: pub/sub messages arrive this way too). */
    Object read() throws IOException {
        String head = line();
        String rest = head.substring(1);
        return switch (head.charAt(0)) {
            case '+' -> rest;
            case '-' -> throw new IOException("redis: " + rest);
            case ':' -> Long.parseLong(rest);
            case '$' -> {
                int n = Integer.parseInt(rest);
                if (n < 0) {
                    yield null;
                }
                String s = new String(in.readNBytes(n), StandardCharsets.UTF_8);
                in.readNBytes(2);
                yield s;
            }
            case '*' -> {
                int n = Integer.parseInt(rest);
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                yield n < 0 ? null : items;
            }
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
