package io.sluice.jobs.sampling;

import io.sluice.job.BadAnswerException;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job;
import io.sluice.job.JobSettings;
import io.sluice.job.Query;
import io.sluice.jobs.sampling.SamplingResult.ProjectRate;
import io.sluice.messages.Window;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Dynamic-sampling rebalancing: for each org, the last whole hour's accepted events per project, and from them a
 * sample rate per project such that the org as a whole keeps its target rate, low-volume projects boosted. See
 * docs/DYNAMIC-SAMPLING.md for the model and the settings.
 */
public final class DynamicSamplingJob implements Job {
    public static final String NAME = "dynamic-sampling";
    public static final int VERSION = 1;

    private volatile SamplingSettings settings = SamplingSettings.defaults();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int version() {
        return VERSION;
    }

    @Override
    public void configure(JobSettings jobSettings) {
        settings = SamplingSettings.from(jobSettings);
    }

    /** The settings in use: the defaults until {@link #configure} is called. */
    public SamplingSettings settings() {
        return settings;
    }

    /** The last whole UTC hour before {@code now}: {@code [floor_hour(now) - 1h, floor_hour(now))}. */
    @Override
    public Window window(Instant now) {
        Instant end = now.truncatedTo(ChronoUnit.HOURS);
        return new Window(end.minus(Duration.ofHours(1)), end);
    }

    @Override
    public List<Query> queries(Work work) {
        return List.of(OutcomesQuery.of(settings, work.orgId(), work.window()));
    }

    @Override
    public byte[] result(Work work, List<byte[]> answers, Instant computedAt) throws BadAnswerException {
        if (answers.size() != 1) {
            throw new BadAnswerException("expected 1 answer (one query per org), got " + answers.size());
        }
        SamplingSettings s = settings;
        SortedMap<Long, Long> volumes = VolumesAnswer.read(answers.get(0), work.window());
        long[] v = new long[volumes.size()];
        int i = 0;
        for (long volume : volumes.values()) {
            v[i++] = volume;
        }
        double[] rates;
        try {
            rates = Rebalancing.rates(v, s.targetRate(), s.minKept());
        } catch (ArithmeticException e) {
            throw new BadAnswerException("the org's volumes sum past a long: " + volumes);
        }
        List<ProjectRate> projects = new ArrayList<>(v.length);
        i = 0;
        for (Map.Entry<Long, Long> e : volumes.entrySet()) {
            projects.add(new ProjectRate(e.getKey(), e.getValue(), rates[i++]));
        }
        return new SamplingResult(SamplingResult.VERSION, work.runId(), work.orgId(), work.window(), s.targetRate(),
                s.minKept(), projects, computedAt).encode();
    }

    @Override
    public String resultsTopic(JobSettings jobSettings) {
        return SamplingSettings.resultsTopic(jobSettings);
    }

    @Override
    public Stamp stamp(byte[] key, byte[] value) throws BadAnswerException {
        SamplingResult.Stamp s = SamplingResult.stamp(value);
        if (key != null) {
            String k = new String(key, StandardCharsets.UTF_8);
            if (!k.equals(Long.toString(s.orgId()))) {
                throw new BadAnswerException("result key '" + k + "' is not its orgId " + s.orgId());
            }
        }
        return new Stamp(s.orgId(), s.windowEnd());
    }

    @Override
    public String slotClass(JobSettings jobSettings) {
        return SamplingSettings.slotClass(jobSettings);
    }

    @Override
    public String mismatch(Work work, byte[] result, GroundTruth truth) {
        return SamplingCheck.mismatch(work, result, truth, settings);
    }
}
