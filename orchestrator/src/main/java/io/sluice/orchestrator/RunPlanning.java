package io.sluice.orchestrator;

import io.sluice.batches.BatchPlan;
import io.sluice.batches.BatchPlanner;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.ledger.RunIds;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;
import io.sluice.orgs.OrgSample;
import io.sluice.orgs.OrgSource;
import io.sluice.pacing.PaceDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides what a run publishes: a new run reads its source, freezes the plan in the ledger and picks
 * its pacing; a resume takes the frozen plan (never the source) and the remaining time. Bad input
 * (a finished run without force, a different plan on an older record, a run that cannot finish in
 * time) is a {@link ConfigException}.
 */
final class RunPlanning {
    private static final Logger LOG = LoggerFactory.getLogger(RunPlanning.class);

    record Planned(BatchPlan plan, RunRecord record, PaceDecision pace, boolean resumed) {
    }

    private final SluiceConfig config;
    private final RunLedger ledger;
    private final RunLease lease;
    private final boolean force;

    RunPlanning(SluiceConfig config, RunLedger ledger, RunLease lease, boolean force) {
        this.config = config;
        this.ledger = ledger;
        this.lease = lease;
        this.force = force;
    }

    /** @param preRead the source's orgs when already read (a cheap local source), else null */
    Planned plan(OrgSource source, OrgList preRead, OrgSample sample, Instant now) {
        String runId = lease.runId();
        BatchPlanner planner = new BatchPlanner(config.orchestrator().batchSize(), config.projection().historyDays());
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
