package io.sluice.orchestrator;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.sluice.batches.BatchPlan;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.job.Job;
import io.sluice.job.Jobs;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunIds;
import io.sluice.ledger.RunLedger;
import io.sluice.ledger.RunHeldException;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Batch;
import io.sluice.orgs.OrgList;
import io.sluice.orgs.OrgSample;
import io.sluice.orgs.OrgSource;
import io.sluice.orgs.OrgSourceException;
import io.sluice.pacing.Pacer;
import io.sluice.pacing.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.SortedMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * One orchestrator run: read the orgs, plan the batches, publish them paced, record progress after
 * every acknowledged batch, resume where an earlier attempt of the same run id stopped. A Redis or
 * broker outage shorter than {@code orchestrator.lease-ttl} is held through ({@link Publisher},
 * {@link LeaseKeeper}); a longer one ends the run resumably.
 *
 * <p>{@link #run()} returns {@link RunResult} for a finished, stopped or failed run and throws
 * {@link ConfigException} for bad usage (empty source, malformed org file, resuming a different
 * plan, rerunning a finished run without {@code force}). {@link #requestStop()} (from a SIGTERM
 * hook) ends the run after the batch in flight is acknowledged.
 */
public final class OrchestratorRun {
    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorRun.class);

    private final SluiceConfig config;
    private final OrgSource orgSource;
    private final String givenRunId;
    private final boolean force;
    private final Function<SluiceConfig, RunLedger> ledgerFactory;
    private final Function<String, BatchSink> sinkFactory;
    private final Function<String, Backlog.Probe> probeFactory;
    private final OrgSample sample;
    private final String holder;
    private final Clock clock;
    private final Sleeper sleeper;
    private final OrchestratorMetrics metrics;
    private final ProgressReporter progress;
    private volatile boolean stopRequested;
    /** {@code --class}: the slot class every batch of this run names (null: the workers' own). */
    private final String slotClass;
    /** {@code --job}: the job whose batches this run publishes. */
    private final Job job;

    private OrchestratorRun(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config");
        this.orgSource = Objects.requireNonNull(b.orgSource, "orgSource");
        this.givenRunId = b.runId;
        this.force = b.force;
        this.clock = b.clock;
        this.sleeper = b.sleeper != null ? b.sleeper : Sleeper.system();
        this.ledgerFactory = b.ledgerFactory != null ? b.ledgerFactory
                : c -> new RedisRunLedger(c.redis().uri(), c.redis().timeout());
        this.sinkFactory = b.sinkFactory != null ? b.sinkFactory : id -> new KafkaBatchSink(config.kafka(), id);
        this.probeFactory = b.probeFactory != null ? b.probeFactory
                : id -> new KafkaBacklogProbe(config, "sluice-orchestrator-" + id + "-backlog");
        this.sample = b.sample;
        this.slotClass = b.slotClass;
        this.job = b.job != null ? b.job : Jobs.configured(config).get(Batch.JOB_SPIKE_PROJECTION);
        this.holder = b.holder != null ? b.holder : RunHolders.describeThisProcess();
        this.metrics = new OrchestratorMetrics(b.registry);
        this.progress = b.progress != null ? b.progress : ProgressReporter.auto(clock);
    }

    public static Builder builder(SluiceConfig config, OrgSource orgs) {
        return new Builder(config, orgs);
    }

    /** Asks the run to stop after the batch in flight is acknowledged; {@link #run()} then returns STOPPED. */
    public void requestStop() {
        stopRequested = true;
        sleeper.wake();
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    public RunResult run() {
        Instant startedAt = Instant.ofEpochMilli(clock.wallTime());
        // Two jobs started in the same minute must not share a derived run id (and so one ledger record).
        String runId = givenRunId == null && !job.name().equals(Batch.JOB_SPIKE_PROJECTION)
                ? RunIds.resolve(null, startedAt) + "-" + job.name() : RunIds.resolve(givenRunId, startedAt);
        try (orgSource) {
            // Bad input in a cheap local source exits 2 before anything connects.
            OrgList preRead = orgSource.readEagerly() ? RunPlanning.read(orgSource, runId) : null;
            RunLedger ledger;
            try {
                ledger = ledgerFactory.apply(config);
            } catch (RuntimeException e) {
                return beforePublishing(RunResult.Outcome.INTERRUPTED, runId,
                        "cannot open the run ledger at redis.uri " + config.redis().redactedUri() + ": " + e.getMessage());
            }
            try (ledger) {
                return claimAndRun(runId, ledger, startedAt, preRead);
            }
        }
    }

    private RunResult claimAndRun(String runId, RunLedger ledger, Instant startedAt, OrgList preRead) {
        RunLease lease;
        try {
            lease = ledger.claim(runId, holder, config.orchestrator().leaseTtl());
        } catch (RunHeldException e) {
            return beforePublishing(RunResult.Outcome.HELD, runId, e.getMessage());
        } catch (RuntimeException e) {
            return beforePublishing(RunResult.Outcome.INTERRUPTED, runId, ledgerFailed(e));
        }
        LOG.info("run {}: holding the run lease as {} (token {})", runId, holder, lease.token());
        try (LeaseKeeper keeper = new LeaseKeeper(ledger, lease, sleeper::wake);
             Publisher publisher = new Publisher(runId, sinkFactory, config.orchestrator().leaseTtl(), clock, sleeper)) {
            RunPlanning.Planned planned;
            try {
                planned = new RunPlanning(config, job, ledger, lease, force).plan(orgSource, preRead, sample, startedAt, publisher::published);
            } catch (ConfigException e) {
                throw e;
            } catch (OrgSourceException e) {
                return beforePublishing(RunResult.Outcome.FAILED, runId,
                        "reading orgs from " + orgSource.describe() + " failed: " + e.getMessage());
            } catch (KafkaUnavailableException e) {
                return beforePublishing(RunResult.Outcome.INTERRUPTED, runId, e.getMessage());
            } catch (RuntimeException e) {
                return beforePublishing(RunResult.Outcome.INTERRUPTED, runId, ledgerFailed(e));
            }
            return publish(planned, ledger, keeper, publisher);
        }
    }

    /** A run that ended before its first batch: logged, nothing published. */
    private static RunResult beforePublishing(RunResult.Outcome outcome, String runId, String error) {
        LOG.error("run {}: {}", runId, error);
        return new RunResult(outcome, runId, 0, 0, -1, 0, error);
    }

    private String ledgerFailed(RuntimeException e) {
        return "run ledger at " + config.redis().redactedUri() + " failed: " + e.getMessage();
    }

    private RunResult publish(RunPlanning.Planned planned, RunLedger ledger, LeaseKeeper keeper, Publisher publisher) {
        BatchPlan plan = planned.plan();
        RunRecord record = planned.record();
        String runId = plan.runId();
        long[] planIds = plan.orgs().ids();
        long total = plan.batchCount();
        long lastAcked = record.lastAckedSeq();
        long sentNow = 0;
        long firstNanos = clock.monotonicTime();
        metrics.progress(lastAcked + 1, total);
        Duration pacing = planned.pace().pacing();
        Pacer pacer = new Pacer(pacing, clock, sleeper);
        RunResult.Outcome end = RunResult.Outcome.INTERRUPTED;
        String error = null;
        BooleanSupplier stop = () -> stopRequested || keeper.lost();
        try (Backlog.Probe probe = config.orchestrator().maxBacklog() > 0 ? probeFactory.apply(runId) : Backlog.Probe.NONE) {
            Backlog backlog = new Backlog(config.orchestrator().maxBacklog(), probe, sleeper);
            metrics.backlog(backlog::lastMeasured);
            publisher.sink();
            if (planned.resumed()) {
                // The ledger lives in Redis; a restore from an older snapshot takes its progress back, the
                // batches topic keeps what was sent. Never send again what the topic already holds.
                SortedMap<Long, Batch> inTopic = publisher.published(record.updatedAt().minus(Publisher.CLOCK_SKEW));
                long through = inTopic.isEmpty() ? -1 : inTopic.lastKey();
                if (through > lastAcked) {
                    LOG.warn("run {}: the ledger says batch {} was the last acknowledged, but the batches topic holds this run's"
                            + " batches through {} (Redis lost progress?); resuming after {}", runId, lastAcked, through, through);
                    lastAcked = Math.min(through, total - 1);
                    record = record.withProgress(lastAcked, Instant.ofEpochMilli(clock.wallTime()));
                    RunRecord written = publisher.record(record, ledger, keeper, planIds, stop);
                    record = written != null ? written : record;   // null: stopping; the loop below sends nothing
                    metrics.published(lastAcked + 1, total);
                }
            }
            long seq = lastAcked + 1;
            while (seq < total) {
                int size = (int) (plan.orgsThrough(seq) - plan.orgsThrough(seq - 1));
                if (stop.getAsBoolean() || !pacer.awaitTurn(stop) || !backlog.awaitRoom(size, stop)) {
                    break;
                }
                // Nothing is sent while the lease is not proven ours (a Redis outage holds here).
                RunRecord current = publisher.awaitLease(record, ledger, keeper, planIds, stop);
                if (current == null) {
                    break;
                }
                record = current;
                if (record.lastAckedSeq() > lastAcked) {   // rebuilt after Redis lost the run: the topic held more
                    lastAcked = record.lastAckedSeq();
                    seq = lastAcked + 1;
                    metrics.published(lastAcked + 1, total);
                    continue;
                }
                if (sentNow == 0) {
                    firstNanos = clock.monotonicTime();
                }
                if (!publisher.send(plan.batch(seq, Instant.ofEpochMilli(clock.wallTime()), slotClass), keeper, stop)) {
                    break;
                }
                backlog.published(size);
                lastAcked = seq;
                sentNow++;
                metrics.published(lastAcked + 1, total);
                RunRecord written = publisher.record(record.withProgress(seq, Instant.ofEpochMilli(clock.wallTime())),
                        ledger, keeper, planIds, stop);
                if (written == null) {
                    record = record.withProgress(seq, Instant.ofEpochMilli(clock.wallTime()));
                    break;   // acknowledged but not recorded: a retry finds it in the topic
                }
                record = written;
                lastAcked = Math.max(lastAcked, record.lastAckedSeq());
                seq = lastAcked + 1;
                progress.update(snapshot(plan, lastAcked, sentNow, firstNanos, pacing));
            }
            if (lastAcked + 1 == total) {
                end = RunResult.Outcome.FINISHED;
            } else if (keeper.lost()) {
                error = keeper.lostReason();
            } else {
                end = RunResult.Outcome.STOPPED;
            }
        } catch (ConfigException e) {
            recordStatus(ledger, keeper.lease(), record, RunStatus.FAILED);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (RuntimeException e) {
            error = e.getMessage();
        }
        progress.done(snapshot(plan, lastAcked, sentNow, firstNanos, pacing));
        recordStatus(ledger, keeper.lease(), record, switch (end) {
            case FINISHED -> RunStatus.FINISHED;
            case STOPPED -> RunStatus.STOPPED;
            default -> RunStatus.INTERRUPTED;
        });
        RunResult result = new RunResult(end, runId, total, sentNow, lastAcked, plan.orgs().size(), error);
        switch (end) {
            case FINISHED -> LOG.info("run {}: finished, {} batches acknowledged ({} by this process)", runId, total, sentNow);
            case STOPPED -> LOG.info("run {}: stopped on request with {} of {} batches acknowledged; exit {}: rerun with --run-id {} to resume",
                    runId, lastAcked + 1, total, result.exitCode(), runId);
            default -> LOG.error("run {}: interrupted with {} of {} batches acknowledged (plan and progress kept; exit {}: rerun with"
                    + " --run-id {} to resume): {}", runId, lastAcked + 1, total, result.exitCode(), runId, error);
        }
        return result;
    }

    private void recordStatus(RunLedger ledger, RunLease lease, RunRecord record, RunStatus status) {
        try {
            ledger.update(lease, record.withStatus(status, Instant.ofEpochMilli(clock.wallTime())));
        } catch (RuntimeException e) {
            LOG.warn("run {}: could not record status {} in the run ledger: {}", record.runId(), status, e.getMessage());
        }
    }

    private Progress snapshot(BatchPlan plan, long lastAcked, long sentNow, long firstNanos, Duration pacing) {
        Duration elapsed = Duration.ofNanos(Math.max(0, clock.monotonicTime() - firstNanos));
        long remaining = plan.batchCount() - (lastAcked + 1);
        Duration perBatch = sentNow == 0 ? pacing : elapsed.dividedBy(sentNow);
        if (perBatch.compareTo(pacing) < 0) {
            perBatch = pacing;
        }
        return new Progress(plan.runId(), lastAcked + 1, plan.batchCount(), plan.orgsThrough(lastAcked), plan.orgs().size(),
                elapsed, perBatch.multipliedBy(remaining));
    }

    /** Wires a run; everything but the config and the org source has a production default. */
    public static final class Builder {
        private final SluiceConfig config;
        private final OrgSource orgSource;
        private String runId;
        private boolean force;
        private String slotClass;
        private Job job;
        private Function<SluiceConfig, RunLedger> ledgerFactory;
        private Function<String, BatchSink> sinkFactory;
        private Function<String, Backlog.Probe> probeFactory;
        private OrgSample sample = OrgSample.ALL;
        private String holder;
        private Clock clock = Clock.SYSTEM;
        private Sleeper sleeper;
        private MeterRegistry registry = Metrics.globalRegistry;
        private ProgressReporter progress;

        private Builder(SluiceConfig config, OrgSource orgSource) {
            this.config = config;
            this.orgSource = orgSource;
        }

        /** The run id; null derives one from the start time. */
        public Builder runId(String runId) {
            this.runId = runId;
            return this;
        }

        /** Run a finished run again from the start. */
        public Builder force(boolean force) {
            this.force = force;
            return this;
        }

        /** The slot class every batch names ({@code orchestrator run --class}); null: the workers' {@code slots.class}. */
        public Builder slotClass(String slotClass) {
            this.slotClass = slotClass;
            return this;
        }

        /** The (configured) job whose batches the run publishes ({@code --job}); default: spike projection. */
        public Builder job(Job job) {
            this.job = job;
            return this;
        }

        /** The ledger to use (closed by the run); default: {@link RedisRunLedger} on {@code redis.uri}. */
        public Builder ledger(Function<SluiceConfig, RunLedger> factory) {
            this.ledgerFactory = factory;
            return this;
        }

        /** Where batches go, by run id (closed by the run); default: {@link KafkaBatchSink}. */
        public Builder sink(Function<String, BatchSink> factory) {
            this.sinkFactory = factory;
            return this;
        }

        /** How the backlog is measured (closed by the run); default: the worker group's lag on the batches topic. */
        Builder backlogProbe(Function<String, Backlog.Probe> factory) {
            this.probeFactory = factory;
            return this;
        }

        /** A stable subset of the source's orgs (canary runs); default: all. */
        public Builder sample(OrgSample sample) {
            this.sample = sample;
            return this;
        }

        /** This publisher's name in the run lease; default: host, pid and a random suffix. */
        public Builder holder(String holder) {
            this.holder = holder;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        public Builder registry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public Builder progress(ProgressReporter progress) {
            this.progress = progress;
            return this;
        }

        public OrchestratorRun build() {
            return new OrchestratorRun(this);
        }
    }
}
