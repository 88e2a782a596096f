package io.sluice.local;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples, every 100 ms, the cores this process used and how busy the whole machine was (from
 * {@code /proc/stat}; -1 where there is none), so a stall can be told apart from the process being
 * starved of CPU by others on a shared machine.
 */
final class CpuSampler implements AutoCloseable {
    /** Over the 100 ms before {@code seconds}: cores this process used, and the machine's busy fraction. */
    record Sample(double seconds, double processCores, double machineBusy) {
    }

    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-local-cpu");
        t.setDaemon(true);
        return t;
    });
    private final long start;
    private long lastNanos;
    private long lastCpu;
    private long[] lastStat;

    /** @param start the {@code nanoTime} its clock counts from (the in-flight samplers' start, within a few ms) */
    CpuSampler(long start) {
        this.start = start;
        this.lastNanos = System.nanoTime();
        this.lastCpu = processCpuNanos();
        this.lastStat = stat();
        timer.scheduleAtFixedRate(this::sample, 100, 100, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        long now = System.nanoTime();
        long cpu = processCpuNanos();
        long[] st = stat();
        double cores = (cpu - lastCpu) / (double) (now - lastNanos);
        double busy = -1;
        if (st != null && lastStat != null) {
            long total = st[0] - lastStat[0];
            busy = total > 0 ? (total - (st[1] - lastStat[1])) / (double) total : -1;
        }
        synchronized (samples) {
            samples.add(new Sample((now - start) / 1e9, cores, busy));
        }
        lastNanos = now;
        lastCpu = cpu;
        lastStat = st;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Mean cores of this process and mean machine busy fraction over the samples within [from, to] seconds. */
    double[] over(double from, double to) {
        double cores = 0;
        double busy = 0;
        int n = 0;
        for (Sample s : samples()) {
            if (s.seconds() >= from && s.seconds() - 0.1 <= to) {
                cores += s.processCores();
                busy += s.machineBusy();
                n++;
            }
        }
        return n == 0 ? new double[]{-1, -1} : new double[]{cores / n, busy / n};
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** Total and idle (idle + iowait) jiffies of all CPUs, or null off Linux. */
    private static long[] stat() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            return new long[]{total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
