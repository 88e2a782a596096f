package io.sluice.jobs.sampling;

import io.sluice.job.BadAnswerException;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job.Work;
import io.sluice.jobs.sampling.SamplingResult.ProjectRate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks a result against the simulator's own data: the volumes exactly, the rates exactly (the model recomputed on
 * those volumes), and the model's promises on their own, so that a model that is wrong in the same way twice is
 * still caught.
 */
final class SamplingCheck {
    /** How far the kept share may be from the target: the rates are doubles, each rounded once. */
    static final double TOLERANCE = 1e-9;

    private SamplingCheck() {
    }

    /** Why {@code value} is not the result the truth gives for {@code work}, or null when it is. */
    static String mismatch(Work work, byte[] value, GroundTruth truth, SamplingSettings settings) {
        SamplingResult r;
        try {
            r = SamplingResult.decode(value);
        } catch (BadAnswerException e) {
            return "result unreadable: " + e.getMessage();
        }
        if (r.orgId() != work.orgId() || !r.runId().equals(work.runId()) || !r.window().equals(work.window())) {
            return "result is for org " + r.orgId() + ", run " + r.runId() + ", window " + r.window() + "; expected org "
                    + work.orgId() + ", run " + work.runId() + ", window " + work.window();
        }
        if (Double.compare(r.targetRate(), settings.targetRate()) != 0 || r.minKept() != settings.minKept()) {
            return "result has targetRate " + r.targetRate() + " minKept " + r.minKept() + "; configured "
                    + settings.targetRate() + " and " + settings.minKept();
        }
        List<long[]> expected = truthVolumes(work, truth);
        List<ProjectRate> got = r.projects();
        if (got.size() != expected.size()) {
            return "result lists " + got.size() + " projects; the data has rows for " + expected.size();
        }
        long[] volumes = new long[expected.size()];
        for (int i = 0; i < volumes.length; i++) {
            long[] e = expected.get(i);
            ProjectRate p = got.get(i);
            if (p.projectId() != e[0] || p.volume() != e[1]) {
                return "projects[" + i + "] is project " + p.projectId() + " volume " + p.volume() + "; expected project "
                        + e[0] + " volume " + e[1];
            }
            volumes[i] = e[1];
        }
        double[] rates = Rebalancing.rates(volumes, settings.targetRate(), settings.minKept());
        for (int i = 0; i < rates.length; i++) {
            if (Double.compare(got.get(i).sampleRate(), rates[i]) != 0) {
                return "project " + got.get(i).projectId() + " has sampleRate " + got.get(i).sampleRate() + "; the model gives "
                        + rates[i];
            }
        }
        return invariants(got, settings.targetRate(), settings.minKept());
    }

    /**
     * The model's promises, checked without running it: every rate in (0, 1]; a smaller project never has a lower
     * rate than a larger one; the org keeps its target share (within {@link #TOLERANCE}) when that is reachable, and
     * otherwise every project keeps at least its floor and the org keeps more than its target.
     */
    static String invariants(List<ProjectRate> projects, double targetRate, long minKept) {
        long total = 0;
        double kept = 0;
        for (ProjectRate p : projects) {
            if (!(p.sampleRate() > 0 && p.sampleRate() <= 1)) {
                return "project " + p.projectId() + " has sampleRate " + p.sampleRate() + ", not in (0, 1]";
            }
            total += p.volume();
            kept += p.volume() * p.sampleRate();
        }
        List<ProjectRate> byVolume = new ArrayList<>(projects);
        // Within one volume the highest rate first, so each neighbour pair compares a group's lowest with the next one's highest.
        byVolume.sort(Comparator.comparingLong(ProjectRate::volume).thenComparing(ProjectRate::sampleRate, Comparator.reverseOrder()));
        for (int i = 1; i < byVolume.size(); i++) {
            ProjectRate small = byVolume.get(i - 1);
            ProjectRate large = byVolume.get(i);
            if (small.volume() < large.volume() && small.sampleRate() < large.sampleRate()) {
                return "project " + small.projectId() + " (volume " + small.volume() + ") has rate " + small.sampleRate()
                        + ", below project " + large.projectId() + "'s " + large.sampleRate() + " (volume "
                        + large.volume() + ")";
            }
        }
        if (total == 0) {
            return null;
        }
        long floor = 0;
        for (ProjectRate p : projects) {
            floor += Math.min(p.volume(), minKept);
        }
        double share = kept / total;
        if (floor < targetRate * total) {
            return Math.abs(share - targetRate) <= TOLERANCE ? null
                    : "the org keeps " + share + " of its events; the target is " + targetRate;
        }
        for (ProjectRate p : projects) {
            if (p.volume() * p.sampleRate() < Math.min(p.volume(), minKept) * (1 - TOLERANCE)) {
                return "project " + p.projectId() + " keeps " + p.volume() * p.sampleRate() + " events, below its floor "
                        + Math.min(p.volume(), minKept);
            }
        }
        return share >= targetRate - TOLERANCE ? null
                : "the org keeps " + share + " of its events, below the target " + targetRate + " though the floor is above it";
    }

    /** {projectId, volume} of each project with any row in the window, ascending by id. */
    static List<long[]> truthVolumes(Work work, GroundTruth truth) {
        List<long[]> out = new ArrayList<>();
        for (long project : truth.projects(work.orgId())) {
            long volume = 0;
            boolean any = false;
            for (Instant hour = work.window().start(); hour.isBefore(work.window().end()); hour = hour.plusSeconds(3_600)) {
                long total = truth.total(work.orgId(), project, hour);
                if (total >= 0) {
                    volume += total;
                    any = true;
                }
            }
            if (any) {
                out.add(new long[] {project, volume});
            }
        }
        return out;
    }
}
