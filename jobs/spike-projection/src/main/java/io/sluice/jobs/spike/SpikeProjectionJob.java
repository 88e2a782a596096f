package io.sluice.jobs.spike;

import io.sluice.job.BadAnswerException;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job;
import io.sluice.job.JobSettings;
import io.sluice.job.Query;
import io.sluice.messages.Window;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Spike projection: per org, {@code projection.history-days} days of hourly accepted totals, turned into
 * next-day projections and spike thresholds per project. Its settings keep the names they had before jobs
 * were plug-ins ({@code projection.*}, results on {@code kafka.topics.results}), so configs and topics written
 * for earlier versions still hold.
 */
public final class SpikeProjectionJob implements Job {
    public static final String NAME = "spike-projection";

    private volatile ProjectionSettings settings = ProjectionSettings.defaults();
    private volatile SpikeProjector projector = new SpikeProjector(settings);
    private volatile String dataset = "outcomes";
    private volatile String referrer = "getsentry.get_spike_projections";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public void configure(JobSettings s) {
        ProjectionSettings d = ProjectionSettings.defaults();
        settings = new ProjectionSettings(
                (int) s.longIn("projection.history-days", d.historyDays(), 1, ProjectionSettings.MAX_HISTORY_DAYS),
                s.longIn("projection.multiplier", d.multiplier(), 1, 1_000_000),
                s.longIn("projection.floor", d.floor(), 0, Long.MAX_VALUE));
        projector = new SpikeProjector(settings);
        dataset = s.text("snuba.dataset", dataset);
        referrer = s.text("snuba.referrer", referrer);
    }

    /** The {@code history-days} whole UTC days before today: {@code [floor_day(now) - days, floor_day(now))}. */
    @Override
    public Window window(Instant now) {
        Instant end = now.truncatedTo(ChronoUnit.DAYS);
        return new Window(end.minus(Duration.ofDays(settings.historyDays())), end);
    }

    @Override
    public List<Query> queries(Work work) {
        return List.of(new Query(dataset, SpikeQuery.body(dataset, referrer, work.orgId(), work.window())));
    }

    @Override
    public byte[] result(Work work, List<byte[]> answers, Instant computedAt) throws BadAnswerException {
        HourlyRows rows = HourlyAnswer.rows(answers.getFirst());
        List<ProjectProjection> projects;
        try {
            projects = projector.project(work.window(), rows);
        } catch (IllegalArgumentException e) {
            throw new BadAnswerException(e.getMessage());
        }
        return ProjectionCodec.encode(new ProjectionResult(1, work.runId(), work.orgId(), work.window(), projects, computedAt));
    }

    @Override
    public String resultsTopic(JobSettings s) {
        return s.text("kafka.topics.results", "sluice.spike-projections");
    }

    /** {@code jobs.spike-projection.slot-class}: the pool class its queries take slots in; unset, the worker's own. */
    @Override
    public String slotClass(JobSettings s) {
        return s.text("slot-class", null);
    }

    @Override
    public Stamp stamp(byte[] key, byte[] value) throws BadAnswerException {
        ProjectionResult r = ProjectionCodec.decode(value);
        return new Stamp(r.orgId(), r.window().end());
    }

    @Override
    public String mismatch(Work work, byte[] result, GroundTruth truth) {
        ProjectionResult r;
        try {
            r = ProjectionCodec.decode(result);
        } catch (BadAnswerException e) {
            return "unreadable result: " + e.getMessage();
        }
        if (r.orgId() != work.orgId() || !r.window().equals(work.window())) {
            return "result is for org " + r.orgId() + " and window " + r.window() + ", expected org " + work.orgId()
                    + " and window " + work.window();
        }
        ProjectionSettings p = settings;
        List<ProjectProjection> expected = ExpectedProjection.of(truth, work.orgId(), work.window(), p.historyDays(),
                p.multiplier(), p.floor());
        if (expected.size() != r.projects().size()) {
            return r.projects().size() + " projects, expected " + expected.size();
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            ProjectProjection e = expected.get(i);
            ProjectProjection a = r.projects().get(i);
            if (e.projectId() != a.projectId() || !Arrays.equals(e.hourly(), a.hourly()) || !Arrays.equals(e.threshold(), a.threshold())) {
                wrong.add("project " + e.projectId());
            }
        }
        return wrong.isEmpty() ? null : "wrong projection for " + String.join(", ", wrong);
    }
}
