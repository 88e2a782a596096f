package io.sluice.orchestrator;

import io.sluice.batches.BatchPlan;
import io.sluice.batches.BatchPlanner;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.job.Job;
import io.sluice.ledger.RunIds;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Batch;
import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;
import io.sluice.orgs.OrgSample;
import io.sluice.orgs.OrgSource;
import io.sluice.pacing.PaceDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * Decides what a run publishes: a new run reads its source, freezes the plan in the ledger and picks
 * its pacing; a resume takes the frozen plan (never the source) and the remaining time. A run with no
 * record whose batches the topic already holds (Redis lost its ledger) re-plans the source over their
 * window and resumes after them if that plan gives exactly those batches. Bad input (a finished run
 * without force, a different plan on an older record or in the topic, a run that cannot finish in
 * time) is a {@link ConfigException}.
 */
final class RunPlanning {
    private static final Logger LOG = LoggerFactory.getLogger(RunPlanning.class);

    /** {@code resumed}: progress came from a record that Redis may have taken back; the topic is checked before sending. */
    record Planned(BatchPlan plan, RunRecord record, PaceDecision pace, boolean resumed) {
    }

    private final SluiceConfig config;
    private final Job job;
    private final RunLedger ledger;
    private final RunLease lease;
    private final boolean force;

    RunPlanning(SluiceConfig config, Job job, RunLedger ledger, RunLease lease, boolean force) {
        this.job = job;
        this.config = config;
        this.ledger = ledger;
        this.lease = lease;
        this.force = force;
    }

    /**
     * @param preRead the source's orgs when already read (a cheap local source), else null
     * @param topic   this run's batches already in the batches topic since a time (throws when unreadable)
     */
    Planned plan(OrgSource source, OrgList preRead, OrgSample sample, Instant now,
                 Function<Instant, SortedMap<Long, Batch>> topic) {
        String runId = lease.runId();
        BatchPlanner planner = new BatchPlanner(config.orchestrator().batchSize(), job.name(), job::window);
        Optional<RunRecord> existing = ledger.find(runId);
        if (existing.isPresent() && existing.get().status() == RunStatus.FINISHED && !force) {
            RunRecord r = existing.get();
            throw new ConfigException(RunIds.FLAG, "run " + runId + " already finished (all " + r.total()
                    + " batches acknowledged, at " + r.updatedAt() + "); pass --force to run it again from the start, or use another --run-id");
        }
        if (existing.isPresent() && existing.get().status() != RunStatus.FINISHED) {
            RunRecord r = existing.get();
            Optional<long[]> frozen = ledger.plan(runId);
            OrgList orgs;
            if (frozen.isPresent()) {
                orgs = new OrgList(frozen.get(), frozen.get().length, 0);
                LOG.info("run {}: resuming the frozen plan of its first attempt ({} orgs); the org source is not read", runId, orgs.size());
            } else {
                // A record from before plans were frozen: the source must still give the same plan.
                orgs = sample.apply(preRead != null ? preRead : read(source, runId));
            }
            BatchPlan plan = planner.plan(runId, orgs, r.window());
            if (!plan.fingerprint().equals(r.fingerprint())) {
                throw new ConfigException(RunIds.FLAG, "run " + runId + " was started with a different plan (org list, "
                        + "orchestrator.batch-size or window " + r.window().start() + ".." + r.window().end()
                        + " differ: fingerprint " + abbrev(plan.fingerprint()) + " vs stored " + abbrev(r.fingerprint())
                        + "); resume it with the same batch size, or start a new run with another --run-id");
            }
            long remaining = r.remainingBatches();
            long remainingOrgs = orgs.size() - plan.orgsThrough(r.lastAckedSeq());
            Duration left = r.finishBy() == null ? null : Duration.between(now, r.finishBy());
            PaceDecision pace = decide(remainingOrgs, remaining, left, false);
            RunRecord record = r.withStatus(RunStatus.RUNNING, now).withPacing(pace.pacing());
            if (!frozen.isPresent()) {
                ledger.start(lease, record, orgs.ids());
            } else {
                ledger.update(lease, record);
            }
            LOG.info("run {}: resuming after batch {} of {} (window {}..{}); {}", runId, r.lastAckedSeq(), r.total(),
                    r.window().start(), r.window().end(), pace.note());
            return new Planned(plan, record, pace, true);
        }
        if (!force) {
            // No record: a new run, or one whose ledger Redis lost. The batches topic tells them apart.
            SortedMap<Long, Batch> published = topic.apply(now.minus(lookback()));
            if (!published.isEmpty()) {
                return recover(planner, published, source, preRead, sample, now);
            }
        }
        OrgList orgs = sample.apply(preRead != null ? preRead : read(source, runId));
        if (sample != OrgSample.ALL) {
            LOG.info("run {}: sample {} keeps {} orgs", runId, sample, orgs.size());
        }
        Window window = planner.windowAt(now);
        BatchPlan plan = planner.plan(runId, orgs, window);
        Duration within = config.orchestrator().finishWithin();
        PaceDecision pace = decide(orgs.size(), plan.batchCount(), within, true);
        RunRecord record = new RunRecord(runId, plan.fingerprint(), plan.batchCount(), window, -1, RunStatus.RUNNING, now,
                orgs.size(), now, pace.pacing(), within.isZero() ? null : now.plus(within));
        ledger.start(lease, record, orgs.ids());
        LOG.info("run {}: {}{} batches of up to {} orgs, window {}..{}, plan frozen; {}", runId,
                existing.isPresent() ? "forced rerun of a finished run: " : "", plan.batchCount(),
                plan.batchSize(), window.start(), window.end(), pace.note());
        return new Planned(plan, record, pace, false);
    }

    /**
     * How far back a run without a record looks for its batches: {@code finish-within} (at least a day)
     * plus an hour. A run is retried within its window; an older one is not resumed from the topic.
     */
    Duration lookback() {
        Duration within = config.orchestrator().finishWithin();
        return (within.compareTo(Duration.ofDays(1)) > 0 ? within : Duration.ofDays(1)).plus(Duration.ofHours(1));
    }

    /**
     * The run's ledger is gone (Redis lost it) but the topic holds some of its batches: the frozen plan
     * is re-derived from the source, cut over the window the published batches carry, and accepted only
     * if it gives exactly the batches the topic holds. Then the run resumes after the highest published
     * seq with that plan frozen again; otherwise it is refused (exit 2), since the plan cannot be known.
     */
    private Planned recover(BatchPlanner planner, SortedMap<Long, Batch> published, OrgSource source, OrgList preRead,
                            OrgSample sample, Instant now) {
        String runId = lease.runId();
        Batch any = published.values().stream().filter(Objects::nonNull).findFirst().orElse(null);
        long last = published.lastKey();
        if (any == null) {
            throw notRecoverable(runId, last, "none of its records can be read");
        }
        Window window = any.window();
        OrgList orgs = sample.apply(preRead != null ? preRead : read(source, runId));
        BatchPlan plan = planner.plan(runId, orgs, window);
        for (Map.Entry<Long, Batch> e : published.entrySet()) {
            long seq = e.getKey();
            Batch b = e.getValue();
            if (seq >= plan.batchCount()) {
                throw notRecoverable(runId, last, "the source's plan has only " + plan.batchCount() + " batches, the topic holds batch " + seq);
            }
            if (b == null || !b.window().equals(window) || !b.job().equals(job.name())
                    || !Arrays.equals(plan.orgIds(seq), b.orgIds().stream().mapToLong(Long::longValue).toArray())) {
                throw notRecoverable(runId, last, "batch " + seq + " in the topic is not batch " + seq
                        + " of the source's plan (org ids, window, job or orchestrator.batch-size differ)");
            }
        }
        Instant startedAt = published.values().stream().filter(Objects::nonNull).map(Batch::publishedAt)
                .min(Comparator.naturalOrder()).orElse(now);
        Duration within = config.orchestrator().finishWithin();
        Instant finishBy = within.isZero() ? null : startedAt.plus(within);
        long remaining = plan.batchCount() - (last + 1);
        PaceDecision pace = decide(orgs.size() - plan.orgsThrough(last), remaining,
                finishBy == null ? null : Duration.between(now, finishBy), false);
        RunRecord record = new RunRecord(runId, plan.fingerprint(), plan.batchCount(), window, last, RunStatus.RUNNING, now,
                orgs.size(), startedAt, pace.pacing(), finishBy);
        ledger.start(lease, record, orgs.ids());
        LOG.warn("run {}: no record in the run ledger (Redis lost it?), but the batches topic holds this run's batches through {}"
                + " and the source gives the same plan ({} batches, window {}..{}); plan frozen again, resuming after batch {}; {}",
                runId, last, plan.batchCount(), window.start(), window.end(), last, pace.note());
        return new Planned(plan, record, pace, false);
    }

    private static ConfigException notRecoverable(String runId, long last, String why) {
        return new ConfigException(RunIds.FLAG, "run " + runId + " has no record in the run ledger (Redis lost it?), and the"
                + " batches topic holds its batches through " + last + ", but its frozen plan cannot be recovered: " + why
                + ". Publishing another plan under the same run id would send orgs twice or skip some; pass --force to publish"
                + " the source's current plan from batch 0, or use another --run-id");
    }

    private PaceDecision decide(long orgs, long batches, Duration left, boolean mayRefuse) {
        return PaceDecision.decide(orgs, batches, config.orchestrator().pacing(), left, config.slots().limit(),
                config.orchestrator().queryTime(), mayRefuse);
    }

    static OrgList read(OrgSource source, String runId) {
        OrgList orgs = OrgList.read(source);
        LOG.info("run {}: read {} org ids from {}, dropped {} duplicates, {} orgs to process",
                runId, orgs.read(), source.describe(), orgs.dropped(), orgs.size());
        return orgs;
    }

    private static String abbrev(String fingerprint) {
        return fingerprint == null ? "none" : fingerprint.substring(0, Math.min(12, fingerprint.length()));
    }
}
