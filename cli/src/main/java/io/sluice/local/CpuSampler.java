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
 * Samples, every 100 ms, this process's CPU time and the whole machine's busy and idle time (from
 * {@code /proc/stat}; -1 where there is none), so a stall can be told apart from the process being
 * starved of CPU by others on a shared machine.
 */
final class CpuSampler implements AutoCloseable {
    /** Cumulative counters at {@code seconds}: this process's CPU nanoseconds, the machine's total and idle jiffies (-1: none). */
    record Sample(double seconds, long processCpuNanos, long machineTotal, long machineIdle) {
    }

    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-local-cpu");
        t.setDaemon(true);
        return t;
    });
    private final long start;

    /** @param start the {@code nanoTime} its clock counts from (the in-flight samplers' start, within a few ms) */
    CpuSampler(long start) {
        this.start = start;
        timer.scheduleWithFixedDelay(this::sample, 0, 100, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        long[] st = stat();
        Sample s = new Sample((System.nanoTime() - start) / 1e9, processCpuNanos(), st == null ? -1 : st[0], st == null ? -1 : st[1]);
        synchronized (samples) {
            samples.add(s);
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /**
     * Between the last sample at or before {@code from} and the first at or after {@code to}: the cores this
     * process used on average, and the machine's busy fraction (-1 when unknown).
     */
    double[] over(double from, double to) {
        List<Sample> all = samples();
        Sample a = null;
        Sample b = null;
        for (Sample s : all) {
            if (s.seconds() <= from) a = s;
            if (s.seconds() >= to && b == null) b = s;
        }
        if (a == null || b == null || b.seconds() <= a.seconds()) {
            return new double[]{-1, -1};
        }
        double cores = (b.processCpuNanos() - a.processCpuNanos()) / ((b.seconds() - a.seconds()) * 1e9);
        long total = b.machineTotal() - a.machineTotal();
        double busy = a.machineTotal() < 0 || total <= 0 ? -1 : (total - (b.machineIdle() - a.machineIdle())) / (double) total;
        return new double[]{cores, busy};
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
