package io.sluice.local;

import java.util.ArrayList;
import java.util.List;

/**
 * How close a whole run came to its physical minimum, from the downstream's in-flight count sampled every
 * few milliseconds together with the count of requests it had received.
 *
 * <p>The minimum: N orgs at a mean query time t̄ under a limit L cannot take less than N·t̄/L. t̄ is measured,
 * not assumed: the area under the in-flight curve is the total time queries spent at the downstream (Little's
 * law), so t̄ = area / N and N·t̄/L = area / L. (The simulator's latency is log-normal around the median
 * {@code --latency-ms}, so t̄ is about 1.13 × the median.)
 *
 * <p>The steady state runs from the first query to the moment the downstream has received a request for
 * every org ({@code requests >= N}): after that no org waits, and what remains is the final drain. An org
 * <em>waits</em> while it is published but its query has not reached the downstream (orgs published &gt;
 * requests received). A <em>stall</em> is a stretch of the steady state longer than {@link #STALL_MIN_MILLIS}
 * with in-flight below {@link #STALL_BELOW} of the limit while orgs wait. A paced run's downstream idles
 * between batches because nothing is published yet; the orchestrator holds those orgs back, so that is no stall.
 *
 * @param startupSeconds      from the orchestrator's start to the first query at the downstream
 * @param elapsedSeconds      from the first query to the last answer
 * @param meanQueryMillis     t̄, measured (area / N)
 * @param minimumSeconds      N·t̄/L
 * @param overMinimum         elapsed / minimum
 * @param steadyUtilization   mean in flight / L over the steady state
 * @param drainSeconds        from the last org's first request to the last answer
 */
public record RunFigures(long orgs, int limit, double startupSeconds, double elapsedSeconds, double meanQueryMillis,
                         double minimumSeconds, double overMinimum, double steadyUtilization, double drainSeconds,
                         int stalls, double stallSeconds, double longestStallMillis, List<Stall> stallList,
                         double pausesPerOrg, double cpuMillisPerOrg, String loadAverage) {
    public static final double STALL_BELOW = 0.8;
    public static final long STALL_MIN_MILLIS = 200;

    /**
     * A stall: its start on the sampler's clock (seconds) and its length; the cores this process used
     * meanwhile and how busy the machine was (0..1), -1 when unknown.
     */
    public record Stall(double atSeconds, double millis, double processCores, double machineBusy) {
        Stall(double atSeconds, double millis) {
            this(atSeconds, millis, -1, -1);
        }
    }

    /** These figures with each stall's CPU filled in from {@code cpu}, and the whole steady state's. */
    RunFigures withCpu(CpuSampler cpu) {
        List<Stall> filled = stallList.stream().map(s -> {
            double[] c = cpu.over(s.atSeconds(), s.atSeconds() + s.millis() / 1000);
            return new Stall(s.atSeconds(), s.millis(), c[0], c[1]);
        }).toList();
        return new RunFigures(orgs, limit, startupSeconds, elapsedSeconds, meanQueryMillis, minimumSeconds, overMinimum,
                steadyUtilization, drainSeconds, stalls, stallSeconds, longestStallMillis, filled, pausesPerOrg,
                cpuMillisPerOrg, loadAverage);
    }

    /**
     * @param samples   in-flight at the downstream with its requests received and the orgs published so far, in time order
     * @param startedAt the orchestrator's start on the samples' clock
     */
    static RunFigures of(List<InFlightSampler.Sample> samples, double startedAt, long orgs, int limit, long pauses,
                         double cpuSeconds, String loadAverage) {
        int first = -1;
        int last = -1;
        int drain = -1;
        double area = 0;
        for (int i = 0; i < samples.size(); i++) {
            InFlightSampler.Sample s = samples.get(i);
            if (s.inFlight() > 0) {
                if (first < 0) first = i;
                last = i;
            }
            if (drain < 0 && first >= 0 && s.count() >= orgs) drain = i;
            if (i > 0) {
                area += samples.get(i - 1).inFlight() * (s.seconds() - samples.get(i - 1).seconds());
            }
        }
        if (first < 0) {
            return new RunFigures(orgs, limit, -1, 0, -1, -1, -1, 0, 0, 0, 0, 0, List.of(),
                    pauses < 0 ? -1 : pauses / (double) orgs, cpuSeconds * 1000 / orgs, loadAverage);
        }
        if (drain < 0) drain = last;
        double firstAt = samples.get(first).seconds();
        // The last answer came between the last sample with work and the next one.
        double lastAt = last + 1 < samples.size() ? samples.get(last + 1).seconds() : samples.get(last).seconds();
        double elapsed = lastAt - firstAt;
        double meanQuery = area / orgs;
        double minimum = area / limit;
        double steadySum = 0;
        double steadySpan = 0;
        List<Stall> stalls = new ArrayList<>();
        double stallFrom = -1;
        for (int i = first; i < drain; i++) {
            InFlightSampler.Sample s = samples.get(i);
            double dt = samples.get(i + 1).seconds() - s.seconds();
            steadySum += s.inFlight() * dt;
            steadySpan += dt;
            boolean starved = s.inFlight() < STALL_BELOW * limit && s.published() > s.count();
            if (starved && stallFrom < 0) {
                stallFrom = s.seconds();
            } else if (!starved && stallFrom >= 0) {
                addStall(stalls, stallFrom, s.seconds());
                stallFrom = -1;
            }
        }
        if (stallFrom >= 0) addStall(stalls, stallFrom, samples.get(drain).seconds());
        double stallSeconds = stalls.stream().mapToDouble(Stall::millis).sum() / 1000;
        double longest = stalls.stream().mapToDouble(Stall::millis).max().orElse(0);
        return new RunFigures(orgs, limit, firstAt - startedAt, elapsed, meanQuery * 1000, minimum, elapsed / minimum,
                steadySpan > 0 ? steadySum / steadySpan / limit : 0, lastAt - samples.get(drain).seconds(), stalls.size(),
                stallSeconds, longest, List.copyOf(stalls), pauses < 0 ? -1 : pauses / (double) orgs, cpuSeconds * 1000 / orgs, loadAverage);
    }

    private static void addStall(List<Stall> stalls, double from, double to) {
        double millis = (to - from) * 1000;
        if (millis > STALL_MIN_MILLIS) stalls.add(new Stall(from, millis));
    }

    /** Wall clock (epoch ms) at the sampler clock's zero; 0: unknown. For matching stalls against logs. */
    private static volatile long wallAtZero;

    static void wallAtZero(long epochMillis) {
        wallAtZero = epochMillis;
    }

    private static String wall(double seconds) {
        if (wallAtZero == 0) return "";
        return " " + java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochMilli(wallAtZero + (long) (seconds * 1000)));
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("== against the minimum (downstream sampled every %d ms) ==%n", LocalRun.FIGURES_SAMPLE_MILLIS));
        sb.append(String.format("start-up            %.2f s from the orchestrator's start to the first query%n", startupSeconds));
        sb.append(String.format("elapsed             %.2f s from the first query to the last answer; minimum N*t/L = %d x %.1f ms / %d = %.2f s"
                + " (t measured: the in-flight area / N); %.3f x the minimum%n", elapsedSeconds, orgs, meanQueryMillis, limit,
                minimumSeconds, overMinimum));
        sb.append(String.format("steady utilization  %.3f (mean in flight / limit, first query until every org was sent; drain %.2f s after)%n",
                steadyUtilization, drainSeconds));
        sb.append(String.format("stalls              %d (in flight < %.0f %% of the limit for > %d ms while published orgs wait to be sent), %.2f s in all, longest %.0f ms%n",
                stalls, STALL_BELOW * 100, STALL_MIN_MILLIS, stallSeconds, longestStallMillis));
        for (Stall s : stallList.subList(0, Math.min(10, stallList.size()))) {
            sb.append(String.format("                    at %.2f s%s for %.0f ms (this process %.2f cores, machine %.0f %% busy)%n",
                    s.atSeconds(), wall(s.atSeconds()), s.millis(), s.processCores(), s.machineBusy() * 100));
        }
        sb.append(pausesPerOrg < 0 ? String.format("pauses per org      - (worker processes: see their sluice_worker_pauses_total)%n")
                : String.format("pauses per org      %.3f%n", pausesPerOrg));
        sb.append(String.format("CPU per org         %.2f ms (this process and any worker processes)%n", cpuMillisPerOrg));
        sb.append(String.format("load average        %s%n", loadAverage));
        return sb.toString();
    }
}
