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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Drives one contender as a fleet: {@code clients} pool clients, {@code threads} loops of
 * acquire, hold, release dealt out over them (thread t on client t mod clients), with a warm-up
 * whose figures are dropped. Ground truth (concurrent holders) is counted here, not by the contender.
 */
final class Workload {
    /** The floor probe's pace: ~2 samples per 10 ms window, about 2 × 200 commands a second. */
    private static final Duration PROBE_EVERY = Duration.ofMillis(5);
    private final int clients;
    private final int threads;
    private final int limit;
    private final Duration hold;
    private final Duration warmUp;
    private final Duration measure;
    private final String probeUri;

    /** {@code probeUri}: the Redis to probe the floor on through the measured window ({@link Floor#during}), or null. */
    Workload(int clients, int threads, int limit, Duration hold, Duration warmUp, Duration measure, String probeUri) {
        if (clients < 1 || threads < clients) {
            throw new IllegalArgumentException("need 1 <= clients <= threads, got " + clients + " clients, " + threads + " threads");
        }
        this.clients = clients;
        this.threads = threads;
        this.limit = limit;
        this.hold = hold;
        this.warmUp = warmUp;
        this.measure = measure;
        this.probeUri = probeUri;
    }

    /** {@code commands} snapshots Redis' command counts; it returns null for a contender without Redis. */
    BenchResult run(Contender contender, Supplier<Map<String, Long>> commands) throws Exception {
        List<Contender.Client> fleet = Fleet.open(contender, clients);
        try {
            return drive(contender, fleet, commands);
        } finally {
            Fleet.close(fleet);
        }
    }

    private BenchResult drive(Contender contender, List<Contender.Client> fleet, Supplier<Map<String, Long>> commands)
            throws Exception {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger waiting = new AtomicInteger();
        AtomicLong overLimit = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        ConcurrentLinkedQueue<Long> releasesWithWaiters = new ConcurrentLinkedQueue<>();
        long[] grantsPerThread = new long[threads];
        LongBuffer[] acquire = new LongBuffer[threads];
        LongBuffer[] handoff = new LongBuffer[threads];
        long holdNanos = hold.toNanos();
        List<Future<?>> loops = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Contender.Client client = fleet.get(t % clients);
                String owner = "c" + (t % clients) + "-t" + t;
                acquire[t] = new LongBuffer();
                handoff[t] = new LongBuffer();
                loops.add(pool.submit(() -> {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        waiting.incrementAndGet();
                        Object token;
                        try {
                            token = client.acquire(owner);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, "acquire: " + e);
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
                        if (!stop.get()) { // draining after the window: give slots straight back
                            TimeUnit.NANOSECONDS.sleep(holdNanos);
                        }
                        holders.decrementAndGet();
                        if (waiting.get() > 0) {
                            releasesWithWaiters.add(System.nanoTime());
                        }
                        try {
                            client.release(token);
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, "release: " + e);
                        }
                    }
                    return null;
                }));
            }
            TimeUnit.NANOSECONDS.sleep(warmUp.toNanos());
            Floor.Probe probe = probeUri == null ? null : new Floor.Probe(probeUri);
            Map<String, Long> before = commands.get();
            Map<String, Long> metersBefore = contender.meters();
            long measuredFrom = System.nanoTime();
            measuring.set(true);
            Floor.Figures floor = null;
            if (probe == null) {
                TimeUnit.NANOSECONDS.sleep(measure.toNanos());
            } else {
                try (probe) {
                    floor = Floor.during(probe, measure, PROBE_EVERY);
                }
            }
            measuring.set(false);
            long measuredNanos = System.nanoTime() - measuredFrom;
            Map<String, Long> after = commands.get();
            Map<String, Long> metersAfter = contender.meters();
            stop.set(true);
            for (Future<?> f : loops) {
                f.get(5, TimeUnit.MINUTES);
            }
            long[] grantsPerClient = new long[clients];
            for (int t = 0; t < threads; t++) {
                grantsPerClient[t % clients] += grantsPerThread[t];
            }
            long grants = Arrays.stream(grantsPerThread).sum();
            double seconds = measuredNanos / 1e9;
            Map<String, Long> delta = before == null ? null : CommandStats.delta(before, after);
            if (delta != null && floor != null) { // the probe's PING and PUBLISH (one each per sample) are not the contender's
                delta = CommandStats.without(delta, Map.of("ping", (long) floor.samples(), "publish", (long) floor.samples()));
            }
            long[] acq = LongBuffer.merge(acquire);
            long[] hand = LongBuffer.merge(handoff);
            double throughput = grants / seconds;
            return new BenchResult(contender.name(), contender.settings(), clients, threads, grants, seconds, throughput,
                    throughput / (limit / (hold.toNanos() / 1e9)), peak.get(), overLimit.get(),
                    BenchMath.ms(BenchMath.percentile(hand, 0.50)), BenchMath.ms(BenchMath.percentile(hand, 0.99)),
                    BenchMath.ms(BenchMath.percentile(acq, 0.50)), BenchMath.ms(BenchMath.percentile(acq, 0.99)),
                    BenchMath.ms(BenchMath.percentile(acq, 0.999)), BenchMath.jain(grantsPerThread),
                    BenchMath.jain(grantsPerClient), skipped.get(), errors.get(), firstError.get(),
                    delta == null ? null : CommandStats.total(delta) / seconds,
                    delta == null || grants == 0 ? null : CommandStats.total(delta) / (double) grants,
                    delta == null || grants == 0 ? null : delta.getOrDefault("evalsha", 0L) / (double) grants, delta,
                    metersBefore == null ? null : CommandStats.delta(metersBefore, metersAfter), floor);
        }
    }

    /** Acquire and release as fast as possible on one client with a limit nobody reaches. */
    static BenchResult.Raw raw(Contender contender, int threads, Duration duration, Supplier<Map<String, Long>> commands)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong pairs = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean counting = new AtomicBoolean();
        try (Contender.Client client = contender.client(0, 1); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String owner = "raw-t" + t;
                loops.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            Object token = client.acquire(owner);
                            if (token != null) {
                                client.release(token);
                                if (counting.get()) {
                                    pairs.incrementAndGet();
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            TimeUnit.SECONDS.sleep(1);
            Map<String, Long> before = commands.get();
            long from = System.nanoTime();
            counting.set(true);
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            counting.set(false);
            double seconds = (System.nanoTime() - from) / 1e9;
            Map<String, Long> after = commands.get();
            stop.set(true);
            for (Future<?> f : loops) {
                f.get(5, TimeUnit.MINUTES);
            }
            long n = pairs.get();
            Double perPair = before == null || n == 0 ? null : CommandStats.total(CommandStats.delta(before, after)) / (double) n;
            return new BenchResult.Raw(contender.name(), threads, n / seconds, perPair, errors.get());
        }
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

        static long[] merge(LongBuffer[] parts) {
            long[] all = Arrays.stream(parts).flatMapToLong(p -> Arrays.stream(p.values, 0, p.size)).toArray();
            Arrays.sort(all);
            return all;
        }
    }
}
