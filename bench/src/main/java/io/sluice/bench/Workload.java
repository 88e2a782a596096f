package io.sluice.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Drives one contender: {@code threads} loops of acquire, hold, release, with a warm-up whose
 * figures are dropped. Ground truth (concurrent holders) is counted here, not by the contender.
 */
final class Workload {
    record Result(String contender, String settings, long grants, double seconds, double throughputPerS, double utilization,
                  int peakConcurrency, long overLimitGrants, double handoffP50Ms, double handoffP99Ms, double acquireP50Ms,
                  double acquireP99Ms, double acquireP999Ms, double fairnessJain, long skipped, long errors,
                  Double redisCommandsPerGrant, Map<String, Long> redisCommands) {}

    record Raw(String contender, double pairsPerS, Double redisCommandsPerPair) {}

    private final int threads;
    private final int limit;
    private final Duration hold;
    private final Duration warmUp;
    private final Duration measure;

    Workload(int threads, int limit, Duration hold, Duration warmUp, Duration measure) {
        this.threads = threads;
        this.limit = limit;
        this.hold = hold;
        this.warmUp = warmUp;
        this.measure = measure;
    }

    Result run(Contender contender, Supplier<Map<String, Long>> commands) throws Exception {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger waiting = new AtomicInteger();
        AtomicLong overLimit = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<Long> releasesWithWaiters = new ConcurrentLinkedQueue<>();
        long[] grantsPerThread = new long[threads];
        List<long[]> acquireSamples = new ArrayList<>();
        List<long[]> handoffSamples = new ArrayList<>();
        LongBuffer[] acquire = new LongBuffer[threads];
        LongBuffer[] handoff = new LongBuffer[threads];
        long holdNanos = hold.toNanos();
        List<Future<?>> loops = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                acquire[t] = new LongBuffer();
                handoff[t] = new LongBuffer();
                loops.add(pool.submit(() -> {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        waiting.incrementAndGet();
                        Object token;
                        try {
                            token = contender.acquire(thread);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            continue;
                        } finally {
                            waiting.decrementAndGet();
                        }
                        long granted = System.nanoTime();
                        boolean counted = measuring.get();
                        if (token == null) {
                            if (counted) {
                                skipped.incrementAndGet();
                            }
                            continue;
                        }
                        int now = holders.incrementAndGet();
                        Long released = releasesWithWaiters.poll();
                        if (counted) {
                            peak.accumulateAndGet(now, Math::max);
                            if (now > limit) {
                                overLimit.incrementAndGet();
                            }
                            grantsPerThread[thread]++;
                            acquire[thread].add(granted - start);
                            if (released != null) {
                                handoff[thread].add(granted - released);
                            }
                        }
                        sleepNanos(holdNanos);
                        holders.decrementAndGet();
                        if (waiting.get() > 0) {
                            releasesWithWaiters.add(System.nanoTime());
                        }
                        try {
                            contender.release(token);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            sleepNanos(warmUp.toNanos());
            Map<String, Long> before = commands.get();
            long measuredFrom = System.nanoTime();
            measuring.set(true);
            sleepNanos(measure.toNanos());
            measuring.set(false);
            long measuredNanos = System.nanoTime() - measuredFrom;
            Map<String, Long> after = commands.get();
            stop.set(true);
            for (Future<?> f : loops) {
                f.get(5, TimeUnit.MINUTES);
            }
            for (int t = 0; t < threads; t++) {
                acquireSamples.add(acquire[t].toArray());
                handoffSamples.add(handoff[t].toArray());
            }
            long grants = Arrays.stream(grantsPerThread).sum();
            double seconds = measuredNanos / 1e9;
            double throughput = grants / seconds;
            double ideal = limit / (hold.toNanos() / 1e9);
            Map<String, Long> delta = before == null ? null : CommandStats.delta(before, after);
            Double perGrant = delta == null || grants == 0 ? null
                    : delta.values().stream().mapToLong(Long::longValue).sum() / (double) grants;
            long[] acq = merge(acquireSamples);
            long[] hand = merge(handoffSamples);
            return new Result(contender.name(), contender.settings(), grants, seconds, throughput, throughput / ideal,
                    peak.get(), overLimit.get(), ms(pct(hand, 0.50)), ms(pct(hand, 0.99)), ms(pct(acq, 0.50)),
                    ms(pct(acq, 0.99)), ms(pct(acq, 0.999)), jain(grantsPerThread), skipped.get(), errors.get(), perGrant, delta);
        }
    }

    /** Acquire and release as fast as possible with a limit nobody reaches. */
    static Raw raw(Contender contender, int threads, Duration duration, Supplier<Map<String, Long>> commands) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong pairs = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                loops.add(pool.submit(() -> {
                    while (!stop.get()) {
                        Object token = contender.acquire(thread);
                        if (token != null) {
                            contender.release(token);
                            if (counting.get()) {
                                pairs.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            sleepNanos(TimeUnit.SECONDS.toNanos(1));
            Map<String, Long> before = commands.get();
            long from = System.nanoTime();
            counting.set(true);
            sleepNanos(duration.toNanos());
            counting.set(false);
            double seconds = (System.nanoTime() - from) / 1e9;
            Map<String, Long> after = commands.get();
            stop.set(true);
            for (Future<?> f : loops) {
                f.get(5, TimeUnit.MINUTES);
            }
            long n = pairs.get();
            Double perPair = before == null || n == 0 ? null
                    : CommandStats.delta(before, after).values().stream().mapToLong(Long::longValue).sum() / (double) n;
            return new Raw(contender.name(), n / seconds, perPair);
        }
    }

    static double jain(long[] x) {
        double sum = 0;
        double squares = 0;
        for (long v : x) {
            sum += v;
            squares += (double) v * v;
        }
        return squares == 0 ? 0 : sum * sum / (x.length * squares);
    }

    private static long[] merge(List<long[]> parts) {
        long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        return all;
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(nanos);
    }

    /** A growable long array; each is written by one thread only. */
    private static final class LongBuffer {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
