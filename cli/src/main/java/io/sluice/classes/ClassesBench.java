package io.sluice.classes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.Acquisition;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisSlotPool;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sluice bench classes}: a live class (nominal 40, lendable 0) and a backfill class (nominal 10, lendable
 * 100 %) on one pool of 50, against two hand-carved pools of 40 and 10 and one shared FIFO pool of 50, on an embedded
 * Redis. Each "query" holds its slot for the hold time (no downstream: the pool is what is measured). Phases: live alone
 * (live's baseline p99), backfill alone, live arrives while the backfill saturates (both saturate), live leaves.
 */
public final class ClassesBench {
    public record Options(Duration phase, Duration hold, int liveDemand, int backfillDemand) {
    }

    /** One phase of one contender: utilization, per-class mean seats, peak, live's acquire p99, time for live to hold 40. */
    public record Phase(String contender, String name, double utilization, double liveSeats, double backfillSeats, int peak,
                        double liveP99Ms, double liveTo40Ms) {
    }

    private static final int LIMIT = 50;
    private static final int LIVE = 40;

    private interface Side {
        SlotPool pool();

        String slotClass();
    }

    public List<Phase> run(Options o, PrintStream out) throws Exception {
        List<Phase> all = new ArrayList<>();
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start()) {
            String uri = redis.uri();
            Duration ttl = Duration.ofSeconds(30);
            RedisPoolAdmin.apply(uri, Duration.ofSeconds(5), new PoolDeclaration("classes", LIMIT, List.of(
                    PoolDeclaration.PoolClass.parse("live:40:0%"), PoolDeclaration.PoolClass.parse("backfill:10:100%"))), ttl, true);
            RedisPoolAdmin.apply(uri, Duration.ofSeconds(5), new PoolDeclaration("carved-live", LIVE, List.of()), ttl, true);
            RedisPoolAdmin.apply(uri, Duration.ofSeconds(5), new PoolDeclaration("carved-backfill", LIMIT - LIVE, List.of()), ttl, true);
            RedisPoolAdmin.apply(uri, Duration.ofSeconds(5), new PoolDeclaration("fifo", LIMIT, List.of()), ttl, true);
            all.addAll(contender("classes", open(uri, "classes"), "live", open(uri, "classes"), "backfill", o, out));
            all.addAll(contender("carved 40+10", open(uri, "carved-live"), null, open(uri, "carved-backfill"), null, o, out));
            all.addAll(contender("shared fifo", open(uri, "fifo"), null, open(uri, "fifo"), null, o, out));
        }
        return all;
    }

    private static RedisSlotPool open(String uri, String pool) {
        return RedisSlotPool.connect(uri, SlotPoolConfig.builder(pool).limit(LIMIT).build(), new SimpleMeterRegistry());
    }

    private List<Phase> contender(String name, RedisSlotPool livePool, String liveClass, RedisSlotPool backfillPool,
                                  String backfillClass, Options o, PrintStream out) throws Exception {
        AtomicInteger live = new AtomicInteger();
        AtomicInteger backfill = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        ConcurrentLinkedQueue<Long> liveWaits = new ConcurrentLinkedQueue<>();
        List<Phase> phases = new ArrayList<>();
        try (livePool; backfillPool; ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Loop liveLoop = new Loop(livePool, liveClass, live, live, backfill, peak, liveWaits, o.hold());
            Loop backfillLoop = new Loop(backfillPool, backfillClass, backfill, live, backfill, peak, null, o.hold());
            liveLoop.start(threads, o.liveDemand());
            phases.add(measure(name, "live alone", o, live, backfill, peak, liveWaits, false));
            liveLoop.stop();
            backfillLoop.start(threads, o.backfillDemand());
            phases.add(measure(name, "backfill alone", o, live, backfill, peak, liveWaits, false));
            liveLoop.start(threads, o.liveDemand());
            phases.add(measure(name, "live arrives, both saturate", o, live, backfill, peak, liveWaits, true));
            liveLoop.stop();
            phases.add(measure(name, "live leaves", o, live, backfill, peak, liveWaits, false));
            backfillLoop.stop();
        }
        phases.forEach(p -> out.printf("%-13s %-28s utilization %5.1f%%  live %5.1f  backfill %5.1f  peak %2d  live p99 %6.1f ms%s%n",
                p.contender(), p.name(), p.utilization() * 100, p.liveSeats(), p.backfillSeats(), p.peak(), p.liveP99Ms(),
                p.liveTo40Ms() >= 0 ? String.format("  live at 40 after %.0f ms", p.liveTo40Ms()) : ""));
        return phases;
    }

    private Phase measure(String contender, String name, Options o, AtomicInteger live, AtomicInteger backfill, AtomicInteger peak,
                          ConcurrentLinkedQueue<Long> liveWaits, boolean timeTo40) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + o.phase().toNanos();
        long settle = start + o.phase().toNanos() / 3;   // the last two thirds are measured
        peak.set(live.get() + backfill.get());
        liveWaits.clear();
        double sumLive = 0, sumBackfill = 0;
        long samples = 0;
        double to40 = -1;
        while (System.nanoTime() < end) {
            long now = System.nanoTime();
            int l = live.get();
            if (timeTo40 && to40 < 0 && l >= LIVE) {
                to40 = (now - start) / 1e6;
            }
            if (now >= settle) {
                sumLive += l;
                sumBackfill += backfill.get();
                samples++;
            }
            Thread.sleep(2);
        }
        long[] waits = liveWaits.stream().mapToLong(Long::longValue).sorted().toArray();
        double p99 = waits.length == 0 ? 0 : waits[Math.min(waits.length - 1, (int) Math.ceil(waits.length * 0.99) - 1)] / 1e6;
        double meanLive = samples == 0 ? 0 : sumLive / samples;
        double meanBackfill = samples == 0 ? 0 : sumBackfill / samples;
        return new Phase(contender, name, (meanLive + meanBackfill) / LIMIT, meanLive, meanBackfill, peak.get(), p99,
                timeTo40 ? to40 : -1);
    }

    /** Closed-loop callers of one side: acquire, hold, release. */
    private static final class Loop {
        private final SlotPool pool;
        private final String slotClass;
        private final AtomicInteger mine, live, backfill, peak;
        private final ConcurrentLinkedQueue<Long> waits;
        private final Duration hold;
        private final AtomicLong generation = new AtomicLong();
        private final List<java.util.concurrent.Future<?>> running = new ArrayList<>();

        Loop(SlotPool pool, String slotClass, AtomicInteger mine, AtomicInteger live, AtomicInteger backfill, AtomicInteger peak,
             ConcurrentLinkedQueue<Long> waits, Duration hold) {
            this.pool = pool;
            this.slotClass = slotClass;
            this.mine = mine;
            this.live = live;
            this.backfill = backfill;
            this.peak = peak;
            this.waits = waits;
            this.hold = hold;
        }

        void start(ExecutorService threads, int demand) {
            long gen = generation.incrementAndGet();
            for (int i = 0; i < demand; i++) {
                String owner = "q" + i;
                running.add(threads.submit(() -> {
                    while (generation.get() == gen) {
                        long t0 = System.nanoTime();
                        Acquisition a = pool.acquireBlocking(owner, slotClass, SlotPool.UNTIL_GRANTED);
                        if (!(a instanceof Acquisition.Granted g)) {
                            throw new IllegalStateException("not granted: " + a);
                        }
                        if (waits != null) {
                            waits.add(System.nanoTime() - t0);
                        }
                        mine.incrementAndGet();
                        peak.accumulateAndGet(live.get() + backfill.get(), Math::max);
                        Thread.sleep(hold);
                        mine.decrementAndGet();
                        pool.release(g.lease()).join();
                    }
                    return null;
                }));
            }
        }

        void stop() throws Exception {
            generation.incrementAndGet();
            for (var f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            running.clear();
        }
    }

    /** The whole run as one JSON object (the last line of the output). */
    public static String json(List<Phase> phases) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ArrayNode arr = root.putArray("phases");
        for (Phase p : phases) {
            arr.addObject().put("contender", p.contender()).put("phase", p.name()).put("utilization", round(p.utilization()))
                    .put("liveSeats", round(p.liveSeats())).put("backfillSeats", round(p.backfillSeats())).put("peak", p.peak())
                    .put("liveP99Ms", round(p.liveP99Ms())).put("liveTo40Ms", round(p.liveTo40Ms()));
        }
        return root.toString();
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

}
