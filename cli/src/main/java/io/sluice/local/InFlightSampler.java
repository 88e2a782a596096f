package io.sluice.local;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Samples the downstream's in-flight count at a fixed rate, for the chart and the utilization figure;
 * optionally also two running counts (the downstream's requests received and the orgs published), for
 * {@link RunFigures}.
 */
final class InFlightSampler implements AutoCloseable {
    /**
     * @param count     the second supplier's value at that moment (the downstream's requests), 0 when there is none
     * @param published the third supplier's value at that moment (the orgs published), 0 when there is none
     */
    record Sample(double seconds, int inFlight, long count, long published) {
        Sample(double seconds, int inFlight) {
            this(seconds, inFlight, 0, 0);
        }
    }

    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-local-sampler");
        t.setDaemon(true);
        return t;
    });
    private final long start = System.nanoTime();

    InFlightSampler(IntSupplier inFlight, long everyMillis) {
        this(inFlight, () -> 0, () -> 0, everyMillis);
    }

    InFlightSampler(IntSupplier inFlight, LongSupplier count, LongSupplier published, long everyMillis) {
        timer.scheduleAtFixedRate(() -> {
            Sample s = new Sample((System.nanoTime() - start) / 1e9, inFlight.getAsInt(), count.getAsLong(),
                    published.getAsLong());
            synchronized (samples) {
                samples.add(s);
            }
        }, 0, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** {@code nanoTime} on this sampler's clock (seconds since it started). */
    double seconds(long nanoTime) {
        return (nanoTime - start) / 1e9;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Mean in-flight between the first and the last sample that saw any work. */
    double meanWhileBusy() {
        List<Sample> s = samples();
        int first = -1;
        int last = -1;
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i).inFlight() > 0) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (first < 0) {
            return 0;
        }
        double sum = 0;
        for (int i = first; i <= last; i++) {
            sum += s.get(i).inFlight();
        }
        return sum / (last - first + 1);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
