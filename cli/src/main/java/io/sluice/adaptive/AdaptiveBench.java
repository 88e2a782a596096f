package io.sluice.adaptive;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.messages.Window;
import io.sluice.slots.Acquisition;
import io.sluice.slots.Feedback;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.internal.RedisSlotPool;
import io.sluice.snuba.SnubaSettings;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sluice bench adaptive}: the adaptive limit against a downstream it shares. The Snuba
 * simulator admits {@code downstreamLimit} queries per referrer; a second caller on the same
 * referrer runs 0, then {@code otherLoads[1]}, then {@code otherLoads[2]} queries at a time (one
 * phase each); Sluice's {@link #DEMAND} threads want more than is ever free and go through an
 * adaptive pool. Every query is retried until it succeeds, so none is lost; 429s are counted.
 * Sampled every {@value #SAMPLE_MS} ms: the pool's live limit, Sluice's and the other caller's
 * queries in flight.
 */
public final class AdaptiveBench {
    public static final int DEMAND = 150;
    static final int RETRY_MS = 100;
    static final int SAMPLE_MS = 250;
    private static final String REFERRER = "getsentry.get_spike_projections";

    /** Settings of one run. */
    public record Options(int downstreamLimit, int[] otherLoads, Duration phase, int startLimit, int minLimit, int maxLimit,
                          Duration step, Duration latencyMedian, Path chart) {}

    /** One sample: seconds since the start, live limit, Sluice in flight, other caller in flight, the pool's live leases. */
    record Sample(double seconds, int limit, int sluice, int other, int inUse) {}

    /** One phase's figures. */
    public record Phase(int otherLoad, int left, double convergeSeconds, double limitSeconds, double share, long queries,
                        long rateLimited, long otherRateLimited, int finalLimit) {}

    private final AtomicInteger sluiceInFlight = new AtomicInteger();
    private final AtomicInteger otherInFlight = new AtomicInteger();
    private final AtomicInteger otherTarget = new AtomicInteger();
    private final AtomicLong sluiceQueries = new AtomicLong();
    private final AtomicLong sluice429 = new AtomicLong();
    private final AtomicLong other429 = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private static final Window WINDOW = new Window(Instant.parse("2026-11-24T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));
    private SnubaSettings settings;
    private static final io.sluice.job.Job SPIKE = io.sluice.job.Jobs.discover().get(io.sluice.messages.Batch.JOB_SPIKE_PROJECTION);
    private String url;

    public List<Phase> run(Options o, PrintStream out) throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start();
             SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(o.downstreamLimit())
                     .withLatency(LatencyModel.logNormal(o.latencyMedian(), 0.3))).start();
             RedisSlotPool pool = RedisSlotPool.connect(redis.uri(), SlotPoolConfig.builder("adaptive-bench")
                     .limit(o.startLimit()).assumeNewPool(true)
                     .adaptive(new SlotPoolConfig.Adaptive(o.minLimit(), o.maxLimit(), o.step())).build(), new SimpleMeterRegistry());
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            settings = new SnubaSettings(URI.create(sim.url()), "outcomes", REFERRER, Duration.ofSeconds(30));
            url = sim.url() + "/" + settings.dataset() + "/snql";
            for (int i = 0; i < DEMAND; i++) {
                long org = i + 1;
                threads.submit(() -> sluiceLoop(pool, org));
            }
            int maxOther = 0;
            for (int load : o.otherLoads()) {
                maxOther = Math.max(maxOther, load);
            }
            for (int i = 0; i < maxOther; i++) {
                int index = i;
                threads.submit(() -> otherLoop(index));
            }
            List<Sample> samples = new ArrayList<>();
            List<Phase> phases = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int p = 0; p < o.otherLoads().length; p++) {
                otherTarget.set(o.otherLoads()[p]);
                long phaseStart = System.nanoTime();
                long q0 = sluiceQueries.get();
                long r0 = sluice429.get();
                long o0 = other429.get();
                List<Sample> mine = new ArrayList<>();
                while (System.nanoTime() - phaseStart < o.phase().toNanos()) {
                    TimeUnit.MILLISECONDS.sleep(SAMPLE_MS);   // the sampling period of a time series, not a wait for a condition
                    var st = pool.status();
                    Sample s = new Sample((System.nanoTime() - t0) / 1e9, st.limit(), sluiceInFlight.get(),
                            otherInFlight.get(), st.inUse());
                    samples.add(s);
                    mine.add(s);
                }
                int left = o.downstreamLimit() - o.otherLoads()[p];
                double start = (phaseStart - t0) / 1e9;
                phases.add(new Phase(o.otherLoads()[p], left, converge(mine, left, start), limitSettles(mine, left, start),
                        share(mine, left), sluiceQueries.get() - q0, sluice429.get() - r0, other429.get() - o0,
                        mine.isEmpty() ? 0 : mine.getLast().limit()));
            }
            running.set(false);
            threads.shutdownNow();
            if (o.chart() != null) {
                AdaptiveChart.write(o.chart(), samples, o.downstreamLimit());
            }
            String csv = System.getProperty("sluice.bench.samples");   // -Dsluice.bench.samples=FILE: every sample, for study
            if (csv != null) {
                StringBuilder b = new StringBuilder("seconds,limit,leases,sluice,other\n");
                samples.forEach(x -> b.append(String.format("%.2f,%d,%d,%d,%d%n", x.seconds(), x.limit(), x.inUse(), x.sluice(), x.other())));
                java.nio.file.Files.writeString(Path.of(csv), b);
            }
            return phases;
        }
    }

    /** The phases as a Markdown table. */
    public static String table(List<Phase> phases) {
        StringBuilder b = new StringBuilder("| other caller | capacity left | converged after | limit within 90-100 % of left after | "
                + "Sluice share (2nd half) | final limit | Sluice queries | Sluice 429s | 429 rate | other caller's 429s |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        long queries = 0;
        long limited = 0;
        for (Phase p : phases) {
            queries += p.queries();
            limited += p.rateLimited();
            b.append(String.format("| %d | %d | %s | %s | %.1f %% | %d | %d | %d | %.2f %% | %d |%n", p.otherLoad(), p.left(),
                    seconds(p.convergeSeconds()), seconds(p.limitSeconds()), 100 * p.share(), p.finalLimit(), p.queries(), p.rateLimited(),
                    p.queries() == 0 ? 0 : 100.0 * p.rateLimited() / p.queries(), p.otherRateLimited()));
        }
        b.append(String.format("run: %d Sluice queries, %d answered 429 (%.2f %%), every one retried until it succeeded: 0 lost",
                queries, limited, queries == 0 ? 0 : 100.0 * limited / queries));
        return b.toString();
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "not within the phase" : String.format("%.1f s", s);
    }

    /**
     * Seconds from the phase's start until the pool's live limit stays between 90 % of what is left and
     * what is left: the controller's part of convergence, without the slots' hand-off (a limit that is
     * right may still see a dip in flight while released slots travel to their next holders).
     */
    static double limitSettles(List<Sample> phase, int left, double phaseStartSeconds) {
        int i = phase.size();
        while (i > 0 && phase.get(i - 1).limit() >= 0.9 * left && phase.get(i - 1).limit() <= left) {
            i--;
        }
        return i == phase.size() ? Double.NaN : phase.get(i).seconds() - phaseStartSeconds;
    }

    /** Seconds from the phase's start until Sluice's in-flight stays at or above 90 % of what is left. */
    static double converge(List<Sample> phase, int left, double phaseStartSeconds) {
        double target = 0.9 * left;
        for (int i = 0; i < phase.size(); i++) {
            boolean stays = true;
            for (int j = i; j < phase.size(); j++) {
                if (average(phase, j) < target) {
                    stays = false;
                    break;
                }
            }
            if (stays) {
                return phase.get(i).seconds() - phaseStartSeconds;
            }
        }
        return Double.NaN;
    }

    /** Sluice's in-flight over one second ending at sample {@code j}, averaged. */
    private static double average(List<Sample> phase, int j) {
        int from = Math.max(0, j - (1000 / SAMPLE_MS) + 1);
        double sum = 0;
        for (int k = from; k <= j; k++) {
            sum += phase.get(k).sluice();
        }
        return sum / (j - from + 1);
    }

    /** Sluice's mean in-flight over the phase's second half, as a share of what the other caller left. */
    static double share(List<Sample> phase, int left) {
        List<Sample> half = phase.subList(phase.size() / 2, phase.size());
        return half.stream().mapToInt(Sample::sluice).average().orElse(0) / left;
    }

    /**
     * One Sluice caller, as a worker runs an org: take a slot, query, give the slot back; a 429 is
     * retried after {@value #RETRY_MS} ms with a new slot (the worker backs off longer), until the
     * query succeeds.
     */
    private void sluiceLoop(SlotPool pool, long org) {
        while (running.get()) {
            Acquisition a = pool.acquireBlocking("org-" + org, SlotPool.UNTIL_GRANTED);
            if (!(a instanceof Acquisition.Granted g)) {
                continue;
            }
            boolean limited = false;
            try {
                sluiceInFlight.incrementAndGet();
                HttpResponse<byte[]> r;
                try {
                    r = query(org);
                } finally {
                    sluiceInFlight.decrementAndGet();
                }
                sluiceQueries.incrementAndGet();
                limited = r.statusCode() == 429;
                if (limited) {
                    sluice429.incrementAndGet();
                }
                pool.observe(Feedback.fromSnuba(limited, r.body()));
            } catch (Exception e) {
                if (running.get()) {
                    System.err.println("adaptive bench: query failed: " + e);
                }
            } finally {
                pool.release(g.lease());
            }
            if (limited) {
                try {
                    TimeUnit.MILLISECONDS.sleep(RETRY_MS);   // the retry back-off of a refused query
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void otherLoop(int index) {
        while (running.get()) {
            if (index >= otherTarget.get()) {
                try {
                    TimeUnit.MILLISECONDS.sleep(20);   // idle until its phase: the load generator's own pacing
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            otherInFlight.incrementAndGet();
            int status;
            try {
                status = query(1_000_000 + index).statusCode();
            } catch (Exception e) {
                return;
            } finally {
                otherInFlight.decrementAndGet();
            }
            if (status == 429) {
                other429.incrementAndGet();
                try {
                    TimeUnit.MILLISECONDS.sleep(10);   // the other caller's retry back-off
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The spike-projection job's own request, built by the job found on the class path. */
    private HttpResponse<byte[]> query(long org) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Referer", REFERRER)
                .POST(HttpRequest.BodyPublishers.ofByteArray(SPIKE.queries(new io.sluice.job.Job.Work("bench", org, WINDOW)).getFirst().body())).build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
}
