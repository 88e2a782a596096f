package io.sluice.orchestrator;

import io.micrometer.core.instrument.Clock;
import io.sluice.ledger.LeaseLostException;
import io.sluice.ledger.RunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.messages.Batch;
import io.sluice.pacing.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.SortedMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A run's two writes, each held through a short outage instead of ending the run: a batch to the
 * batches topic ({@link #send}) and its progress to the ledger ({@link #record}). Nothing is sent
 * unless the {@link LeaseKeeper} has proven the run lease ours; an outage ends the run only when it
 * outlasts {@code orchestrator.lease-ttl}.
 *
 * <p>A send that failed may still have reached the topic, so before sending it again the topic is
 * read: a batch it holds is never sent twice. When the lease had to be taken again on a Redis that
 * lost it, the ledger is rebuilt as a retry would: progress from what the topic holds, and the plan
 * this process holds in memory frozen again.
 */
final class Publisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    /** How far another host's clock (an earlier attempt's) may lag this one's: the topic is read from that much earlier. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    static final Duration RETRY = Duration.ofMillis(500);

    private final String runId;
    private final Function<String, BatchSink> factory;
    private final Duration bound;
    private final Clock clock;
    private final Sleeper sleeper;
    private BatchSink sink;
    private boolean opened;
    /** The sink opened once: later failures are outages to ride through, not a broker unreachable from the start. */
    private boolean everOpened;
    private boolean rebuild;

    Publisher(String runId, Function<String, BatchSink> factory, Duration bound, Clock clock, Sleeper sleeper) {
        this.runId = runId;
        this.factory = factory;
        this.bound = bound;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** The sink, opened on first use (for Kafka: connects and creates missing topics). */
    BatchSink sink() {
        if (sink == null) {
            sink = factory.apply(runId);
        }
        if (!opened) {
            sink.open();
            opened = true;
            everOpened = true;
        }
        return sink;
    }

    /** This run's batches in the topic since {@code since}; throws {@link KafkaUnavailableException} when unreadable. */
    SortedMap<Long, Batch> published(Instant since) {
        return sink().published(runId, since.isBefore(Instant.EPOCH) ? Instant.EPOCH : since);
    }

    /**
     * Sends {@code batch} once: true when the broker acknowledged it or the topic shows it got there,
     * false when the run must end first (stop requested, lease lost). A broker that fails the send is
     * tried again every {@link #RETRY} while the lease is held; {@link KafkaUnavailableException} when
     * that lasts {@code orchestrator.lease-ttl} from the start of the first failed send.
     */
    boolean send(Batch batch, LeaseKeeper keeper, BooleanSupplier stop) throws InterruptedException {
        long started = clock.monotonicTime();
        Instant since = Instant.ofEpochMilli(clock.wallTime()).minus(CLOCK_SKEW);
        boolean failedBefore = false;
        while (true) {
            try {
                if (!failedBefore || !inTopic(batch, since)) {
                    sink().send(batch);
                }
                if (failedBefore) {
                    LOG.info("run {}: the broker answers again; batch {} is in the topic once, publishing resumes", runId, batch.seq());
                }
                return true;
            } catch (KafkaUnavailableException e) {
                if (!everOpened || clock.monotonicTime() - started >= bound.toNanos()) {
                    throw e;   // unreachable from the start, or for longer than the lease: exit 3, the retry resumes
                }
                if (!failedBefore) {
                    LOG.warn("run {}: holding batch {}: {}; trying again every {} for at most orchestrator.lease-ttl {}",
                            runId, batch.seq(), e.getMessage(), RETRY.toMillis() + "ms", bound);
                }
                failedBefore = true;
                reopen();
            }
            sleeper.sleep(RETRY.toNanos());
            if (!keeper.awaitHeld(stop)) {
                return false;
            }
        }
    }

    /** After a failed send: whether the batch reached the topic anyway (reads the topic from {@code since}). */
    private boolean inTopic(Batch batch, Instant since) {
        boolean there = published(since).containsKey(batch.seq());
        if (there) {
            LOG.warn("run {}: batch {} reached the topic although its send failed; not sending it again", runId, batch.seq());
        }
        return there;
    }

    private void reopen() {
        if (sink != null) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                LOG.debug("run {}: closing the sink after a failure: {}", runId, e.toString());
            }
        }
        sink = null;
        opened = false;
    }

    /**
     * Writes {@code record} (progress after an acknowledged batch) with the keeper's lease, holding while
     * Redis does not answer; returns the record written, or null when the run must end first (stop
     * requested, lease lost). When the lease was taken again on a Redis that lost the run, the ledger is
     * rebuilt instead (see {@link #rebuildIfReclaimed}); the returned record may then show more progress.
     */
    RunRecord record(RunRecord record, RunLedger ledger, LeaseKeeper keeper, long[] planIds, BooleanSupplier stop)
            throws InterruptedException {
        return holding(record, true, ledger, keeper, planIds, stop);
    }

    /**
     * Waits until the lease is held, and rebuilds the ledger if the lease had to be taken again; returns
     * the record in force (perhaps with more progress), or null when the run must end first.
     */
    RunRecord awaitLease(RunRecord record, RunLedger ledger, LeaseKeeper keeper, long[] planIds, BooleanSupplier stop)
            throws InterruptedException {
        return holding(record, false, ledger, keeper, planIds, stop);
    }

    private RunRecord holding(RunRecord r, boolean update, RunLedger ledger, LeaseKeeper keeper, long[] planIds,
                              BooleanSupplier stop) throws InterruptedException {
        while (true) {
            if (!keeper.awaitHeld(stop)) {
                return null;
            }
            try {
                RunRecord rebuilt = rebuildIfReclaimed(r, ledger, keeper, planIds);
                if (rebuilt != null) {
                    return rebuilt;
                }
                if (update) {
                    ledger.update(keeper.lease(), r);
                }
                return r;
            } catch (LeaseLostException e) {
                keeper.doubt("a ledger write found the lease gone");
            } catch (KafkaUnavailableException e) {
                throw e;
            } catch (RuntimeException e) {
                keeper.doubt("a ledger write failed: " + e.getMessage());
            }
        }
    }

    /**
     * If the keeper took the run again on a Redis that lost it: progress is the higher of {@code record}'s
     * and what the topic holds of the run, and the ledger is written anew with the plan (as
     * {@link RunLedger#start}); returns that record. Null when nothing needed rebuilding.
     */
    private RunRecord rebuildIfReclaimed(RunRecord record, RunLedger ledger, LeaseKeeper keeper, long[] planIds) {
        rebuild |= keeper.takeReclaimed();
        if (!rebuild) {
            return null;
        }
        SortedMap<Long, Batch> inTopic = published(record.startedAt().minus(CLOCK_SKEW));
        long last = inTopic.isEmpty() ? -1 : Math.min(inTopic.lastKey(), record.total() - 1);
        RunRecord r = record;
        Instant now = Instant.ofEpochMilli(clock.wallTime());
        if (last > r.lastAckedSeq()) {
            LOG.warn("run {}: the batches topic holds this run's batches through {}, past this process' {}; continuing after {}",
                    runId, last, r.lastAckedSeq(), last);
            r = r.withProgress(last, now);
        }
        r = r.withStatus(RunStatus.RUNNING, now);
        ledger.start(keeper.lease(), r, planIds);
        rebuild = false;
        LOG.warn("run {}: rebuilt the run ledger in Redis (record, frozen plan of {} orgs, progress through batch {}, lease token {})",
                runId, planIds.length, r.lastAckedSeq(), keeper.lease().token());
        return r;
    }

    @Override
    public void close() {
        if (sink != null) {
            sink.close();
            sink = null;
        }
    }
}
