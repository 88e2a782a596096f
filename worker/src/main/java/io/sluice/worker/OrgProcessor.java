package io.sluice.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.messages.Batch;
import io.sluice.messages.DeadLetterHeaders.Reason;
import io.sluice.messages.MessageCodec;
import io.sluice.job.BadAnswerException;
import io.sluice.job.Job;
import io.sluice.job.Query;
import io.sluice.retry.Backoff;
import io.sluice.snuba.SnubaClient;
import io.sluice.snuba.SnubaOutcome;
import io.sluice.worker.gate.SlotGate.Permit;
import io.sluice.worker.sink.OutputRecords;
import io.sluice.worker.sink.ResultGuards;
import io.sluice.worker.sink.ResultStamp;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Runs one org of a job under a held slot: the job's queries, one after another; the slot back once the
 * downstream is surely done with the last; the job's result from the answers. Decides between a result to
 * write, a retry and a dead letter; the poll loop writes results and dead letters with the consumed offsets
 * ({@link Flusher}). A batch naming a job this worker does not have is dead-lettered ({@code unknown-job}).
 */
final class OrgProcessor implements OrgWork {
    private static final Logger LOG = LoggerFactory.getLogger(OrgProcessor.class);

    private final SnubaClient snuba;
    private final Map<String, JobRoute> routes;
    private final ResultGuards results;
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

    OrgProcessor(SnubaClient snuba, Map<String, JobRoute> routes, ResultGuards results, String deadLetterTopic,
                 Backoff backoff, int maxAttempts, Duration maxQueryTime, InstantSource clock, LongSupplier nanos,
                 RandomGenerator random, MeterRegistry registry) {
        this.snuba = snuba;
        this.routes = Map.copyOf(routes);
        this.results = results;
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
        JobRoute route = routes.get(task.batch().job());
        if (route == null) {
            // Not poison: a worker that has the job can run it; replay it once the fleet has the job.
            return deadLetter(task, Reason.UNKNOWN_JOB, "the batch names job " + task.batch().job()
                    + ", which this worker does not have (jobs here: " + String.join(", ", new java.util.TreeSet<>(routes.keySet()))
                    + "); replay it with sluice replay --from-dead-letter once the workers have it");
        }
        if (task.batch().v() > route.job().version()) {
            return deadLetter(task, Reason.UNKNOWN_JOB, "the batch is message version " + task.batch().v() + " of job "
                    + route.job().name() + ", which reads versions up to " + route.job().version());
        }
        String slotClass = slotClass(task);
        if (slotClass != null && !declaresClass.test(slotClass)) {
            // Not silently the pool's first class: dead-lettered with its class, for a replay with --class.
            return deadLetter(task, route, Reason.UNKNOWN_CLASS, "slot class " + slotClass + " ("
                    + (task.batch().slotClass() != null ? "the batch's" : "jobs." + route.job().name() + ".slot-class")
                    + ") is not declared by the pool; replay it with sluice replay --from-dead-letter --class C");
        }
        CompletableFuture<java.util.OptionalLong> newer;
        try {
            newer = results.supersededBy(task.partition() + "@" + task.offset(), task.batch(), task.orgId());
        } catch (RuntimeException e) {
            newer = CompletableFuture.failedFuture(e);
        }
        return newer.handle((wm, e) -> {
            if (e != null) {
                return retry(task, route, false, "watermarks unreadable: " + rootMessage(e));
            }
            if (wm.isPresent()) {
                superseded.increment();
                route.superseded().increment();
                return new OrgOutcome.Finished("superseded");
            }
            return null;
        });
    }

    /** The class the org's queries take their slots in: the batch's, else its job's, else null (the worker's own). */
    @Override
    public String slotClass(OrgTask task) {
        if (task.batch().slotClass() != null) {
            return task.batch().slotClass();
        }
        JobRoute route = routes.get(task.batch().job());
        return route == null ? null : route.slotClass();
    }

    /**
     * Runs the org's queries under {@code permit}, one after another. The slot stands for a query at the
     * downstream, not for our wait on it: it goes back as soon as the whole answer to the last one is in (or a
     * connection was never made). A query we stopped waiting for (our timeout, a cancel on lease loss, the end of
     * the shutdown grace period) may still run downstream, as ClickHouse runs on after its client hangs up, so its
     * slot is kept until {@code started + downstream.max-query-time}, the downstream's own limit, and only then
     * given back.
     */
    @Override
    public CompletableFuture<OrgOutcome> process(OrgTask task, Permit permit) {
        JobRoute route = routes.get(task.batch().job());
        Job.Work work = new Job.Work(task.batch().runId(), task.orgId(), task.batch().window());
        List<Query> asked;
        try {
            asked = route.job().queries(work);
        } catch (RuntimeException e) {
            permit.release();   // nothing was sent
            return CompletableFuture.completedFuture(retry(task, route, true, "the job could not make its queries: " + e));
        }
        AtomicBoolean downstreamDone = new AtomicBoolean();
        Runnable release = () -> {
            if (downstreamDone.compareAndSet(false, true)) permit.release();
        };
        if (asked.isEmpty()) {
            release.run();
        }
        return run(task, route, permit, asked, 0, new ArrayList<>(asked.size()), release, downstreamDone)
                .thenCompose(answers -> answers == null
                        ? CompletableFuture.completedFuture(retry(task, route, false, "lease lost; query cancelled"))
                        : answers.outcome() != null ? decide(task, route, answers.outcome())
                        : CompletableFuture.completedFuture(result(task, route, work, answers.bodies())))
                .exceptionally(e -> retry(task, route, false, "could not make the result: " + rootMessage(e)));
    }

    /** The 2xx bodies so far, or the first answer that was not a 2xx. */
    private record Answers(List<byte[]> bodies, SnubaOutcome outcome) {
    }

    /** Runs query {@code k} and the rest; the last one's whole answer (or any non-2xx) gives the slot back. Null: cancelled. */
    private CompletableFuture<Answers> run(OrgTask task, JobRoute route, Permit permit, List<Query> asked, int k, List<byte[]> bodies,
                                           Runnable release, AtomicBoolean downstreamDone) {
        if (k == asked.size()) {
            return CompletableFuture.completedFuture(new Answers(bodies, null));
        }
        boolean last = k == asked.size() - 1;
        AtomicBoolean answered = new AtomicBoolean();
        Runnable done = () -> {
            answered.set(true);
            if (last) release.run();
        };
        long started = nanos.getAsLong();
        CompletableFuture<SnubaOutcome> query;
        try {
            query = snuba.query(asked.get(k), done);
        } catch (RuntimeException e) {
            release.run();   // nothing of this query was sent; earlier ones were answered whole
            return CompletableFuture.completedFuture(new Answers(bodies, new SnubaOutcome.Failed("query could not start: " + e, null)));
        }
        queries.add(query);
        query.whenComplete((x, e) -> queries.remove(query));
        // A query never outlives its lease: when the holder can no longer be sure of its slot, cancel.
        permit.lost().whenComplete((x, e) -> query.cancel(true));
        return query.handle((outcome, error) -> {
            if (!answered.get() && !downstreamDone.get()) {
                holdUntilSurelyOver(task, permit, started);
                downstreamDone.set(true);
            }
            if (error != null) {
                return CompletableFuture.<Answers>completedFuture(null);
            }
            if (!(outcome instanceof SnubaOutcome.Ok ok)) {
                release.run();   // a whole answer (429, 4xx, 5xx) or no connection: nothing runs downstream
                return CompletableFuture.completedFuture(new Answers(bodies, outcome));
            }
            bodies.add(ok.body());
            return run(task, route, permit, asked, k + 1, bodies, release, downstreamDone);
        }).thenCompose(f -> f);
    }

    private OrgOutcome result(OrgTask task, JobRoute route, Job.Work work, List<byte[]> bodies) {
        byte[] value;
        try {
            value = route.job().result(work, bodies, clock.instant());
        } catch (BadAnswerException e) {
            return decide(task, route, new SnubaOutcome.Failed("unreadable answer: " + e.getMessage(), 200)).join();
        }
        route.made().increment();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(route.resultsTopic(), route.job().resultKey(task.orgId()), value);
        ResultStamp stamp = new ResultStamp(route.job().name(), task.orgId(), task.batch().window().end());
        return new OrgOutcome.Write(new Output(record, stamp, Output.PROJECTED));
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

    private CompletableFuture<OrgOutcome> decide(OrgTask task, JobRoute route, SnubaOutcome outcome) {
        return switch (outcome) {
            case SnubaOutcome.Ok ok -> throw new IllegalStateException("a 2xx is the job's to read");
            case SnubaOutcome.RateLimited r -> CompletableFuture.completedFuture(retry(task, route, false, "429 " + r.message()));
            case SnubaOutcome.Rejected r -> deadLetter(task, route, Reason.REJECTED,
                    "downstream rejected the query: " + r.status() + " " + r.type() + ": " + r.message());
            case SnubaOutcome.Failed f -> task.attempts() + 1 >= maxAttempts
                    ? deadLetter(task, route, Reason.EXHAUSTED, "gave up after " + maxAttempts + " attempts; last error: " + f.error())
                    : CompletableFuture.completedFuture(retry(task, route, true, f.error()));
        };
    }

    private OrgOutcome retry(OrgTask task, JobRoute route, boolean countsAsAttempt, String why) {
        retried.increment();
        route.retried().increment();
        int attempt = countsAsAttempt ? task.attempts() + 1 : Math.max(1, task.attempts());
        Duration delay = backoff.delay(attempt, random);
        LOG.debug("org {} retry in {} ({})", task.orgId(), delay, why);
        return new OrgOutcome.Retry(delay, countsAsAttempt, why);
    }

    /** Batches naming a class that {@code declared} refuses are dead-lettered ({@code unknown-class}) before they ask for a slot. */
    void classes(java.util.function.Predicate<String> declared) {
        this.declaresClass = declared;
    }

    private CompletableFuture<OrgOutcome> deadLetter(OrgTask task, JobRoute route, Reason reason, String error) {
        route.deadLettered().increment();
        return deadLetter(task, reason, error);
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
