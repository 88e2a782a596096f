package io.sluice.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Samples the downstream's in-flight count every few milliseconds and remembers when it stood above
 * the pool limit, so that a breach of the cap can be laid next to the fault log. The exact peak
 * comes from the simulator's own gate; this only says when.
 */
final class InFlightWatch implements AutoCloseable {
    private static final int KEEP = 20;
    private final IntSupplier inFlight;
    private final int limit;
    private final LongSupplier elapsedMillis;
    private final List<String> overLimit = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    InFlightWatch(IntSupplier inFlight, int limit, LongSupplier elapsedMillis) {
        this.inFlight = inFlight;
        this.limit = limit;
        this.elapsedMillis = elapsedMillis;
        this.thread = Thread.ofPlatform().name("chaos-in-flight").daemon().start(this::sample);
    }

    private void sample() {
        while (running) {
            int n = inFlight.getAsInt();
            if (n > limit) {
                synchronized (overLimit) {
                    if (overLimit.size() < KEEP) {
                        overLimit.add(String.format("%.2fs: %d", elapsedMillis.getAsLong() / 1000.0, n));
                    }
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(5);   // the sampling period
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Up to the first 20 samples above the limit, as "time: count". */
    List<String> overLimit() {
        synchronized (overLimit) {
            return List.copyOf(overLimit);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(1_000);
    }
}
