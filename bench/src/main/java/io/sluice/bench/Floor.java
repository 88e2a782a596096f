package io.sluice.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * What no Redis-based hand-off can beat on this machine, measured before a round: the loopback
 * round trip (PING) and pub/sub delivery (PUBLISH on one connection until a thread blocked on a
 * SUBSCRIBE connection has the message: Redis, the network stack and one thread wake-up).
 * Script time comes from the run itself (EVALSHA µs per call); in-process wake-up from the JDK semaphore's hand-off.
 */
final class Floor {
    private static final String CHANNEL = "sluice-bench-floor";

    private Floor() {}

    record Figures(double pingP50Ms, double pingP99Ms, double pubsubP50Ms, double pubsubP99Ms) {
        @Override
        public String toString() {
            return String.format("floor: PING round trip p50 %.3f / p99 %.3f ms; pub/sub delivery to a blocked thread p50 %.3f / p99 %.3f ms",
                    pingP50Ms, pingP99Ms, pubsubP50Ms, pubsubP99Ms);
        }
    }

    static Figures measure(String uri, int samples) throws Exception {
        try (CommandStats stats = new CommandStats(uri)) {
            stats.pingRoundTrips(samples / 4);
            long[] ping = stats.pingRoundTrips(samples);
            long[] delivery = pubsub(uri, samples / 4, samples);
            return new Figures(BenchMath.ms(BenchMath.percentile(ping, 0.50)), BenchMath.ms(BenchMath.percentile(ping, 0.99)),
                    BenchMath.ms(BenchMath.percentile(delivery, 0.50)), BenchMath.ms(BenchMath.percentile(delivery, 0.99)));
        }
    }

    /** Delivery times of {@code samples} messages, one at a time, after {@code warmUp} unrecorded ones; sorted, in ns. */
    static long[] pubsub(String uri, int warmUp, int samples) throws Exception {
        SynchronousQueue<Long> received = new SynchronousQueue<>();
        try (RespConnection pub = new RespConnection(uri); RespConnection sub = new RespConnection(uri)) {
            sub.call("SUBSCRIBE", CHANNEL);
            Thread listener = Thread.ofPlatform().daemon().name("bench-floor-sub").start(() -> {
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
            long[] nanos = new long[samples];
            for (int i = -warmUp; i < samples; i++) {
                long sent = System.nanoTime();
                pub.call("PUBLISH", CHANNEL, "x");
                Long at = received.poll(5, TimeUnit.SECONDS);
                if (at == null) {
                    throw new IOException("a PUBLISH on " + CHANNEL + " never arrived");
                }
                if (i >= 0) {
                    nanos[i] = at - sent;
                }
            }
            listener.interrupt();
            java.util.Arrays.sort(nanos);
            return nanos;
        }
    }
}
