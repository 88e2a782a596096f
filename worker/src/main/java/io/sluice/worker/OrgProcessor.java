package io.sluice.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.messages.Batch;
import io.sluice.messages.DeadLetterHeaders.Reason;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.ProjectProjection;
import io.sluice.messages.ProjectionResult;
import io.sluice.projection.SpikeProjector;
import io.sluice.retry.Backoff;
import io.sluice.snuba.SnubaClient;
import io.sluice.snuba.SnubaOutcome;
import io.sluice.worker.gate.SlotGate.Permit;
import io.sluice.worker.sink.OutputRecords;
import io.sluice.worker.sink.ResultGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Runs one org under a held slot: query the downstream, give the slot back once the downstream is surely
 * done with the query, project. Decides between a result to write, a retry and a dead letter; the
 * poll loop writes results and dead letters with the consumed offsets ({@link Flusher}).
 */
final class OrgProcessor implements OrgWork {
    private static final Logger LOG = LoggerFactory.getLogger(OrgProcessor.class);

    private final SnubaClient snuba;
    private final SpikeProjector projector;
    private final ResultGuard results;
    private final String resultsTopic;
    private final String deadLetterTopic;
    private final Backoff backoff;
    private final int maxAttempts;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Counter retried;
    private final Counter superseded;
    private final Counter abandoned;
    private final Duration maxQueryTime;
    private final LongSupplier nanos;
    /** Whether the pool declares a class a batch names (the worker's gate; every class without one). */
    private volatile java.util.function.Predicate<String> declaresClass = c -> true;
    /** Running queries (aborted together at the end of the shutdown grace period). */
    private final Set<CompletableFuture<SnubaOutcome>> queries = ConcurrentHashMap.newKeySet();

    OrgProcessor(SnubaClient snuba, SpikeProjector projector, ResultGuard results, String resultsTopic, String deadLetterTopic,
                 Backoff backoff, int maxAttempts, Duration maxQueryTime, InstantSource clock, LongSupplier nanos,
                 RandomGenerator random, MeterRegistry registry) {
        this.snuba = snuba;
        this.projector = projector;
        this.results = results;
        this.resultsTopic = resultsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
        this.maxQueryTime = maxQueryTime;
        this.clock = clock;
        this.nanos = nanos;
        this.random = random;
        this.retried = Counter.builder("sluice.worker.orgs").tag("outcome", "retried").register(registry);
        this.superseded = Counter.builder("sluice.worker.orgs").tag("outcome", "superseded").register(registry);
        this.abandoned = Counter.builder("sluice.worker.queries.abandoned")
                .description("Queries sent but not answered (timeout, cancel): each kept its slot until downstream.max-query-time")
                .register(registry);
    }

    /**
     * Before an org asks for a slot: null when it should run; {@code Finished("superseded")} when its
     * org already has a result for a newer window, or a committed one for this window (not queried at
     * all); a retry when the watermarks could not be read or were lost and are being rebuilt (fail
     * closed: nothing runs unchecked). Never completes exceptionally.
     */
    @Override
    public CompletableFuture<OrgOutcome> admit(OrgTask task) {
        String slotClass = task.batch().slotClass();
        if (slotClass != null && !declaresClass.test(slotClass)) {
            // Not silently the pool's first class: dead-lettered with its class, for a replay with --class.
            return deadLetter(task, Reason.UNKNOWN_CLASS, "the batch names slot class " + slotClass
                    + ", which the pool does not declare; replay it with sluice replay --from-dead-letter --class C");
        }
        CompletableFuture<java.util.OptionalLong> newer;
        try {
            newer = results.supersededBy(task.partition() + "@" + task.offset(), task.batch(), task.orgId());
        } catch (RuntimeException e) {
            newer = CompletableFuture.failedFuture(e);
        }
        return newer.handle((wm, e) -> {
            if (e != null) {
                return retry(task, false, "watermarks unreadable: " + rootMessage(e));
            }
            if (wm.isPresent()) {
                superseded.increment();
                return new OrgOutcome.Finished("superseded");
            }
            return null;
        });
    }

    /**
     * Runs the org's query under {@code permit}. The slot stands for the query at the downstream, not for our wait
     * on it: it goes back as soon as the whole answer is in (or the connection was never made). A query we stopped
     * waiting for (our timeout, a cancel on lease loss, the end of the shutdown grace period) may still run
     * downstream, as ClickHouse runs on after its client hangs up, so its slot is kept until
     * {@code started + downstream.max-query-time}, the downstream's own limit, and only then given back.
     */
    @Override
    public CompletableFuture<OrgOutcome> process(OrgTask task, Permit permit) {
        CompletableFuture<SnubaOutcome> query;
        AtomicBoolean downstreamDone = new AtomicBoolean();
        Runnable release = () -> {
            if (downstreamDone.compareAndSet(false, true)) permit.release();
        };
        long started = nanos.getAsLong();
        try {
            query = snuba.query(task.orgId(), task.batch().window(), release);
        } catch (RuntimeException e) {
            permit.release();   // nothing was sent
            return CompletableFuture.completedFuture(retry(task, true, "query could not start: " + e));
        }
        queries.add(query);
        query.whenComplete((x, e) -> queries.remove(query));
        // A query never outlives its lease: when the holder can no longer be sure of its slot, cancel.
        permit.lost().whenComplete((x, e) -> query.cancel(true));
        return query.handle((outcome, error) -> {
                    if (!downstreamDone.get()) {
                        holdUntilSurelyOver(task, permit, started);
                    }
                    return error == null ? outcome : null;
                })
                .thenCompose(outcome -> outcome == null
                        ? CompletableFuture.completedFuture(retry(task, false, "lease lost; query cancelled"))
                        : decide(task, outcome))
                .exceptionally(e -> retry(task, false, "could not project: " + rootMessage(e)));
    }

    /** The query was sent but no whole answer came: keep the slot until the downstream's own time limit has surely ended it. */
    private void holdUntilSurelyOver(OrgTask task, Permit permit, long startedNanos) {
        Duration left = maxQueryTime.minusNanos(nanos.getAsLong() - startedNanos);
        abandoned.increment();
        LOG.debug("org {}: no answer; its slot is kept {} more, until the downstream's time limit has surely ended the query",
                task.orgId(), left);
        permit.releaseAfter(left);
    }

    /** At the end of the shutdown grace period: stop waiting for every running query; their slots stay held until surely over. */
    @Override
    public int abandonAll() {
        int n = queries.size();
        queries.forEach(q -> q.cancel(true));
        return n;
    }

    private CompletableFuture<OrgOutcome> decide(OrgTask task, SnubaOutcome outcome) {
        return switch (outcome) {
            case SnubaOutcome.Ok ok -> {
                List<ProjectProjection> projects = projector.project(task.batch().window(), ok.rows());
                ProjectionResult result = new ProjectionResult(1, task.batch().runId(), task.orgId(),
                        task.batch().window(), projects, clock.instant());
                yield CompletableFuture.completedFuture(
                        new OrgOutcome.Write(new Output(OutputRecords.result(resultsTopic, result), result, Output.PROJECTED)));
            }
            case SnubaOutcome.RateLimited r -> CompletableFuture.completedFuture(retry(task, false, "429 " + r.message()));
            case SnubaOutcome.Rejected r -> deadLetter(task, Reason.REJECTED,
                    "downstream rejected the query: " + r.status() + " " + r.type() + ": " + r.message());
            case SnubaOutcome.Failed f -> task.attempts() + 1 >= maxAttempts
                    ? deadLetter(task, Reason.EXHAUSTED, "gave up after " + maxAttempts + " attempts; last error: " + f.error())
                    : CompletableFuture.completedFuture(retry(task, true, f.error()));
        };
    }

    private OrgOutcome retry(OrgTask task, boolean countsAsAttempt, String why) {
        retried.increment();
        int attempt = countsAsAttempt ? task.attempts() + 1 : Math.max(1, task.attempts());
        Duration delay = backoff.delay(attempt, random);
        LOG.debug("org {} retry in {} ({})", task.orgId(), delay, why);
        return new OrgOutcome.Retry(delay, countsAsAttempt, why);
    }

    /** Batches naming a class that {@code declared} refuses are dead-lettered ({@code unknown-class}) before they ask for a slot. */
    void classes(java.util.function.Predicate<String> declared) {
        this.declaresClass = declared;
    }

    private CompletableFuture<OrgOutcome> deadLetter(OrgTask task, Reason reason, String error) {
        Batch single = task.batch().forSingleOrg(task.orgId());
        LOG.warn("org {} of batch {} dead-lettered ({}): {}", task.orgId(), task.batch().key(), reason.wire(), error);
        return CompletableFuture.completedFuture(new OrgOutcome.Write(new Output(OutputRecords.deadLetter(deadLetterTopic,
                single.key().getBytes(StandardCharsets.UTF_8), MessageCodec.encode(single), reason, task.partition().topic(),
                task.partition().partition(), task.offset(), error), null, Output.DEAD_LETTERED)));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof CancellationException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.toString();
    }
}
