package io.sluice.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process TCP proxy on 127.0.0.1 for failure drills: forwards to a target that can be
 * changed (a fail-over moving a Service IP), and can turn existing connections silent without
 * closing them (a host that stops answering and sends no RST), or drop only the replies (a
 * command that ran but whose answer never arrived), or hold every byte until told to forward
 * again (a process or network that stalls, then catches up). New connections always forward to the
 * current target.
 */
public final class TcpProxy implements AutoCloseable {
    /** What an existing connection does with the bytes it reads. */
    public enum Mode { FORWARD, SILENT, DROP_REPLIES, HOLD }

    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile InetSocketAddress target;
    private volatile boolean closed;

    public TcpProxy(String host, int port) {
        this.target = new InetSocketAddress(host, port);
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a proxy port", e);
        }
        Thread.ofVirtual().name("tcp-proxy-accept-" + server.getLocalPort()).start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code redis://127.0.0.1:PORT} of this proxy. */
    public String redisUri() {
        return "redis://127.0.0.1:" + port();
    }

    /** Connections accepted so far (a reconnect shows as one more). */
    public int accepted() {
        return accepted.get();
    }

    /** New connections go to {@code host:port}; existing ones keep theirs. */
    public void retarget(String host, int port) {
        target = new InetSocketAddress(host, port);
    }

    /** Applies {@code mode} to every connection open now. */
    public void existing(Mode mode) {
        links.forEach(l -> l.mode = mode);
        synchronized (links) {
            links.notifyAll();   // held bytes go on
        }
    }

    /** Closes every connection open now, as a server crash or a fail-over would. */
    public void closeExisting() {
        List.copyOf(links).forEach(Link::close);
    }

    @Override
    public void close() {
        closed = true;
        synchronized (links) {
            links.notifyAll();
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        closeExisting();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 2_000);
            } catch (IOException e) {
                quietly(client);
                quietly(upstream);
                continue;
            }
            Link link = new Link(client, upstream);
            links.add(link);
            Thread.ofVirtual().start(() -> link.pump(client, upstream, false));
            Thread.ofVirtual().start(() -> link.pump(upstream, client, true));
        }
    }

    private final class Link {
        final Socket client;
        final Socket upstream;
        volatile Mode mode = Mode.FORWARD;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pump(Socket from, Socket to, boolean replies) {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (links) {
                        while (mode == Mode.HOLD && !closed) {
                            links.wait();
                        }
                    }
                    Mode m = mode;
                    if (m == Mode.SILENT || (m == Mode.DROP_REPLIES && replies)) {
                        continue; // swallowed: the sender sees its bytes accepted and no answer, ever
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side closed or was closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!replies || mode == Mode.FORWARD) {
                close(); // the client hung up, or (forwarding) the server did
            }
        }

        void close() {
            links.remove(this);
            quietly(client);
            quietly(upstream);
        }
    }

    private static void quietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
