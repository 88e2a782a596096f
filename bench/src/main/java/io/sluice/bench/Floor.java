package io.sluice.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What no Redis-based hand-off can beat on this machine: the loopback round trip (PING) and pub/sub
 * delivery (PUBLISH on one connection until a thread blocked on a SUBSCRIBE connection has the
 * message: Redis, the network stack and one thread wake-up). Measured twice: on a quiet machine
 * before a round ({@link #measure}), and under each contender's own load, sampled every few
 * milliseconds through its measured window ({@link #during}): on two cores a thread woken while
 * the others run waits for a CPU, which no client can avoid and the quiet figure does not show.
 * Script time comes from the run itself (EVALSHA µs per call); in-process wake-up from the JDK semaphore's hand-off.
 */
final class Floor {
    private static final String CHANNEL = "sluice-bench-floor";

    private Floor() {}

    record Figures(double pingP50Ms, double pingP99Ms, double pubsubP50Ms, double pubsubP99Ms, int samples) {
        @Override
        public String toString() {
            return String.format("PING round trip p50 %.3f / p99 %.3f ms; pub/sub delivery to a blocked thread p50 %.3f / p99 %.3f ms",
                    pingP50Ms, pingP99Ms, pubsubP50Ms, pubsubP99Ms);
        }

        static Figures of(long[] ping, long[] delivery) {
            Arrays.sort(ping);
            Arrays.sort(delivery);
            return new Figures(BenchMath.ms(BenchMath.percentile(ping, 0.50)), BenchMath.ms(BenchMath.percentile(ping, 0.99)),
                    BenchMath.ms(BenchMath.percentile(delivery, 0.50)), BenchMath.ms(BenchMath.percentile(delivery, 0.99)),
                    delivery.length);
        }
    }

    /** Back to back on a quiet machine: {@code samples} of each after a quarter as many unrecorded. */
    static Figures measure(String uri, int samples) throws Exception {
        try (Probe probe = new Probe(uri)) {
            for (int i = 0; i < samples / 4; i++) {
                probe.ping();
                probe.delivery();
            }
            long[] ping = new long[samples];
            long[] delivery = new long[samples];
            for (int i = 0; i < samples; i++) {
                ping[i] = probe.ping();
            }
            for (int i = 0; i < samples; i++) {
                delivery[i] = probe.delivery();
            }
            return Figures.of(ping, delivery);
        }
    }

    /** One sample of each every {@code every}, for {@code window}, alongside whatever else runs. */
    static Figures during(Probe probe, Duration window, Duration every) throws Exception {
        long end = System.nanoTime() + window.toNanos();
        long[] ping = new long[1024];
        long[] delivery = new long[1024];
        int n = 0;
        while (System.nanoTime() - end < 0) {
            if (n == ping.length) {
                ping = Arrays.copyOf(ping, n * 2);
                delivery = Arrays.copyOf(delivery, n * 2);
            }
            ping[n] = probe.ping();
            delivery[n] = probe.delivery();
            n++;
            LockSupport.parkNanos(Math.min(every.toNanos(), Math.max(0, end - System.nanoTime())));
        }
        return Figures.of(Arrays.copyOf(ping, n), Arrays.copyOf(delivery, n));
    }

    /** A command connection and a subscribed one with its own listening thread. */
    static final class Probe implements AutoCloseable {
        private final SynchronousQueue<Long> received = new SynchronousQueue<>();
        private final RespConnection pub;
        private final RespConnection sub;
        private final Thread listener;

        Probe(String uri) throws IOException {
            pub = new RespConnection(uri);
            sub = new RespConnection(uri);
            sub.call("SUBSCRIBE", CHANNEL);
            listener = Thread.ofPlatform().daemon().name("bench-floor-sub").start(() -> {
                try {
                    while (true) {
                        Object m = sub.read();
                        long at = System.nanoTime();
                        if (m instanceof List<?> l && "message".equals(l.get(0))) {
                            received.put(at);
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // closed: done
                }
            });
        }

        long ping() throws IOException {
            long start = System.nanoTime();
            pub.call("PING");
            return System.nanoTime() - start;
        }

        long delivery() throws IOException, InterruptedException {
            long sent = System.nanoTime();
            pub.call("PUBLISH", CHANNEL, "x");
            Long at = received.poll(5, TimeUnit.SECONDS);
            if (at == null) {
                throw new IOException("a PUBLISH on " + CHANNEL + " never arrived");
            }
            return at - sent;
        }

        @Override
        public void close() throws IOException {
            listener.interrupt();
            try {
                sub.close();
            } finally {
                pub.close();
            }
        }
    }
}
