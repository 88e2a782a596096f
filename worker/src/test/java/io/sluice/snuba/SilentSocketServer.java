package io.sluice.snuba;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accepts one connection, reads the request and never answers, noting when the client hangs up. HttpServer
 * cannot tell a handler that its client went away; a raw socket sees the end of stream.
 */
final class SilentSocketServer implements AutoCloseable {
    final AtomicBoolean requestStarted = new AtomicBoolean();
    final AtomicBoolean clientClosed = new AtomicBoolean();
    private final ServerSocket socket;
    private final Thread acceptor;

    SilentSocketServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(this::serveOne);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    private void serveOne() {
        try (Socket s = socket.accept(); InputStream in = s.getInputStream()) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) {
                    requestStarted.set(true);
                }
            }
            clientClosed.set(true);
        } catch (IOException e) {
            clientClosed.set(true);   // a reset is a hang-up too
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        acceptor.interrupt();
    }
}
