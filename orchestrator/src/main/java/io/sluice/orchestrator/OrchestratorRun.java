package io.sluice.orchestrator;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.sluice.batches.BatchPlan;
import io.sluice.batches.BatchPlanner;
import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunIds;
import io.sluice.ledger.RunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;
import io.sluice.orgs.OrgSource;
import io.sluice.pacing.Pacer;
import io.sluice.pacing.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One orchestrator run: read the orgs, plan the batches, publish them paced, record progress after
 * every acknowledged batch, resume where an earlier attempt of the same run id stopped.
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
    private final Clock clock;
    private final Sleeper sleeper;
    private final OrchestratorMetrics metrics;
    private final ProgressReporter progress;
    private volatile boolean stopRequested;

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
        String runId = RunIds.resolve(givenRunId, startedAt);
        OrgList orgs;
        try (orgSource) {
            orgs = OrgList.read(orgSource);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("run {}: reading orgs from {} failed: {}", runId, orgSource.describe(), e.getMessage());
            return new RunResult(RunResult.Outcome.FAILED, runId, 0, 0, -1, 0, e.getMessage());
        }
        LOG.info("run {}: read {} org ids from {}, dropped {} duplicates, {} orgs to process",
                runId, orgs.read(), orgSource.describe(), orgs.dropped(), orgs.size());

        RunLedger ledger;
        try {
            ledger = ledgerFactory.apply(config);
        } catch (RuntimeException e) {
            String msg = "cannot open the run ledger at redis.uri " + config.redis().redactedUri() + ": " + e.getMessage();
            LOG.error("run {}: {}", runId, msg);
            return new RunResult(RunResult.Outcome.FAILED, runId, 0, 0, -1, orgs.size(), msg);
        }
        try (ledger) {
            return run(runId, orgs, ledger, startedAt);
        }
    }

    private RunResult run(String runId, OrgList orgs, RunLedger ledger, Instant startedAt) {
        BatchPlanner planner = new BatchPlanner(config.orchestrator().batchSize(), config.projection().historyDays());
        BatchPlan plan;
        RunRecord record;
        try {
            Optional<RunRecord> existing = ledger.find(runId);
            if (existing.isPresent() && (existing.get().status() != RunStatus.FINISHED || !force)) {
                RunRecord r = existing.get();
                if (r.status() == RunStatus.FINISHED) {
                    throw new ConfigException(RunIds.FLAG, "run " + runId + " already finished (all " + r.total()
                            + " batches acknowledged, at " + r.updatedAt() + "); pass --force to run it again from the start, or use another --run-id");
                }
                plan = planner.plan(runId, orgs, r.window());
                if (!plan.fingerprint().equals(r.fingerprint())) {
                    throw new ConfigException(RunIds.FLAG, "run " + runId + " was started with a different plan (org list, "
                            + "orchestrator.batch-size or window " + r.window().start() + ".." + r.window().end()
                            + " differ: fingerprint " + abbrev(plan.fingerprint()) + " vs stored " + abbrev(r.fingerprint())
                            + "); resume it with the same orgs and batch size, or start a new run with another --run-id");
                }
                record = r.withStatus(RunStatus.RUNNING, startedAt);
                ledger.setStatus(runId, RunStatus.RUNNING, startedAt);
                LOG.info("run {}: resuming after batch {} of {} (window {}..{})", runId, r.lastAckedSeq(), r.total(),
                        r.window().start(), r.window().end());
            } else {
                Window window = planner.windowAt(startedAt);
                plan = planner.plan(runId, orgs, window);
                record = new RunRecord(runId, plan.fingerprint(), plan.batchCount(), window, -1, RunStatus.RUNNING, startedAt);
                ledger.start(record);
                LOG.info("run {}: {}{} batches of up to {} orgs, window {}..{}, pacing {}", runId,
                        existing.isPresent() ? "forced rerun of a finished run: " : "", plan.batchCount(),
                        plan.batchSize(), window.start(), window.end(), config.orchestrator().pacing());
            }
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            String msg = "run ledger at " + config.redis().redactedUri() + " failed: " + e.getMessage();
            LOG.error("run {}: {}", runId, msg);
            return new RunResult(RunResult.Outcome.FAILED, runId, 0, 0, -1, orgs.size(), msg);
        }
        return publish(plan, record, ledger);
    }

    private RunResult publish(BatchPlan plan, RunRecord record, RunLedger ledger) {
        String runId = plan.runId();
        long total = plan.batchCount();
        long lastAcked = record.lastAckedSeq();
        long sentNow = 0;
        long firstNanos = clock.monotonicTime();
        metrics.progress(lastAcked + 1, total);
        Pacer pacer = new Pacer(config.orchestrator().pacing(), clock, sleeper);
        RunStatus endStatus = RunStatus.FAILED;
        String error = null;
        try (BatchSink sink = sinkFactory.apply(runId)) {
            sink.open();
            for (long seq = lastAcked + 1; seq < total; seq++) {
                if (stopRequested || !pacer.awaitTurn(this::stopRequested)) {
                    break;
                }
                if (sentNow == 0) {
                    firstNanos = clock.monotonicTime();
                }
                sink.send(plan.batch(seq, Instant.ofEpochMilli(clock.wallTime())));
                ledger.recordAck(runId, seq, Instant.ofEpochMilli(clock.wallTime()));
                lastAcked = seq;
                sentNow++;
                metrics.published(lastAcked + 1, total);
                progress.update(snapshot(plan, lastAcked, sentNow, firstNanos));
            }
            endStatus = lastAcked + 1 == total ? RunStatus.FINISHED : RunStatus.STOPPED;
        } catch (ConfigException e) {
            recordStatus(ledger, runId, RunStatus.FAILED);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (RuntimeException e) {
            error = e.getMessage();
        }
        progress.done(snapshot(plan, lastAcked, sentNow, firstNanos));
        recordStatus(ledger, runId, endStatus);
        return switch (endStatus) {
            case FINISHED -> {
                LOG.info("run {}: finished, {} batches acknowledged ({} by this process)", runId, total, sentNow);
                yield new RunResult(RunResult.Outcome.FINISHED, runId, total, sentNow, lastAcked, plan.orgs().size(), null);
            }
            case STOPPED -> {
                LOG.info("run {}: stopped on request after batch {} of {}; rerun with --run-id {} to resume",
                        runId, lastAcked, total, runId);
                yield new RunResult(RunResult.Outcome.STOPPED, runId, total, sentNow, lastAcked, plan.orgs().size(), null);
            }
            default -> {
                LOG.error("run {}: failed after batch {} of {} (progress kept; rerun with --run-id {} to resume): {}",
                        runId, lastAcked, total, runId, error);
                yield new RunResult(RunResult.Outcome.FAILED, runId, total, sentNow, lastAcked, plan.orgs().size(), error);
            }
        };
    }

    private void recordStatus(RunLedger ledger, String runId, RunStatus status) {
        try {
            ledger.setStatus(runId, status, Instant.ofEpochMilli(clock.wallTime()));
        } catch (RuntimeException e) {
            LOG.warn("run {}: could not record status {} in the run ledger: {}", runId, status, e.getMessage());
        }
    }

    private Progress snapshot(BatchPlan plan, long lastAcked, long sentNow, long firstNanos) {
        Duration elapsed = Duration.ofNanos(Math.max(0, clock.monotonicTime() - firstNanos));
        long remaining = plan.batchCount() - (lastAcked + 1);
        Duration perBatch = sentNow == 0 ? config.orchestrator().pacing() : elapsed.dividedBy(sentNow);
        if (perBatch.compareTo(config.orchestrator().pacing()) < 0) {
            perBatch = config.orchestrator().pacing();
        }
        return new Progress(plan.runId(), lastAcked + 1, plan.batchCount(), plan.orgsThrough(lastAcked), plan.orgs().size(),
                elapsed, perBatch.multipliedBy(remaining));
    }

    private static String abbrev(String fingerprint) {
        return fingerprint == null ? "none" : fingerprint.substring(0, Math.min(12, fingerprint.length()));
    }

    /** Wires a run; everything but the config and the org source has a production default. */
    public static final class Builder {
        private final SluiceConfig config;
        private final OrgSource orgSource;
        private String runId;
        private boolean force;
        private Function<SluiceConfig, RunLedger> ledgerFactory;
        private Function<String, BatchSink> sinkFactory;
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
