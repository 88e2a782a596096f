package io.sluice.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.messages.DeadLetterHeaders.Reason;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.PoisonRecordException;
import io.sluice.worker.gate.SlotGate;
import io.sluice.worker.sink.OutputRecords;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The poll loop: one thread owns the consumer, takes batches apart into org tasks, asks the gate for
 * a slot before each one, pauses partitions whose work waits (on the pool, a back-off or a full
 * process) and commits what is finished. Everything other threads learn reaches this thread as an
 * event, so the partition table needs no locks.
 */
public final class WorkerLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);
    /**
     * The longest the loop waits with nothing due: how soon, at most, a rebalance callback runs (poll(0)
     * runs them) while every partition is paused; a waiting worker turns once a second for it.
     */
    static final Duration MAX_POLL_WAIT = Duration.ofSeconds(1);

    private final String workerId;
    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final SlotGate gate;
    private final OrgWork processor;
    private final Flusher flusher;
    private final Handover handover;
    private final String deadLetterTopic;
    private final int maxInFlight;
    private final Duration slotWait;
    private final Duration shutdownGrace;
    private final LongSupplier nanoTime;

    private final PartitionTable table;
    private final LoopEvents events;
    /** How often a loop with nothing else to do looks for new records while some partition can fetch. */
    private final FetchCheck fetchCheck;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean crashing;
    private final GateHealth gateHealth = new GateHealth();
    private volatile RuntimeException failure;
    private volatile long lastLoopNanos;
    private int inFlight;
    private final AtomicInteger pausedByGate = new AtomicInteger();
    private final AtomicInteger inFlightGauge = new AtomicInteger();
    private final Counter pauses;

    WorkerLoop(String workerId, Consumer<byte[], byte[]> consumer, String topic, SlotGate gate, OrgWork processor,
               Flusher flusher, String deadLetterTopic, int maxInFlight, Duration slotWait, Duration shutdownGrace,
               LongSupplier nanoTime, MeterRegistry registry) {
        this.workerId = workerId;
        this.consumer = consumer;
        this.topic = topic;
        this.gate = gate;
        this.processor = processor;
        this.events = new LoopEvents();
        this.table = new PartitionTable(consumer);
        this.flusher = flusher;
        this.deadLetterTopic = deadLetterTopic;
        this.handover = new Handover(workerId, consumer, table, flusher, events, processor);
        flusher.pumpWith(new FlushPump(events, () -> {
            events.drain();
            dispatch(nanoTime.getAsLong());
        }));
        this.maxInFlight = maxInFlight;
        this.slotWait = slotWait;
        this.shutdownGrace = shutdownGrace;
        this.nanoTime = nanoTime;
        this.lastLoopNanos = nanoTime.getAsLong();
        this.fetchCheck = new FetchCheck(nanoTime);
        Gauge.builder("sluice.worker.partitions.paused", pausedByGate, AtomicInteger::get).strongReference(true)
                .description("partitions waiting on the slot pool or a back-off").register(registry);
        Gauge.builder("sluice.worker.in_flight", inFlightGauge, AtomicInteger::get).strongReference(true)
                .description("orgs asking for a slot or being queried, this process").register(registry);
        Gauge.builder("sluice.worker.ready", this, loop -> loop.gateHealth.healthy() ? 1 : 0).strongReference(true)
                .description("1 while the slot pool is reachable (what /readyz reports), 0 while it is not").register(registry);
        this.pauses = Counter.builder("sluice.worker.pauses").description("times the pool refused a partition").register(registry);
    }

    // ---- lifecycle ------------------------------------------------------------------------

    @Override
    public void run() {
        try {
            flusher.init();
            subscribe();
            while (!stopping) {
                loopOnce();
            }
            if (crashing) {
                consumer.close(Duration.ZERO);   // no commit, nothing drained: what a killed process leaves behind
            } else {
                handover.shutdown(shutdownGrace, () -> inFlight);
            }
        } catch (RuntimeException e) {
            // E.g. the broker refused our credentials (SaslAuthenticationException): nothing here can fix that.
            failure = e;
            LOG.error("worker loop failed", e);
            try {
                consumer.close(Duration.ZERO);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            // Not rethrown: failure() and live() report it, and `sluice worker` exits 1 on it.
        } finally {
            stopped.countDown();
        }
    }

    /** Stops fetching; in-flight orgs get the grace period, then are cancelled; finished work is committed. */
    public void stop() {
        stopping = true;
        events.stop();
    }

    /** Stops as if the process died: nothing committed, nothing drained. For tests and chaos drills. */
    public void crash() {
        crashing = true;
        stop();
    }

    /** Its flusher (tests reach its hooks through this). */
    Flusher flusher() {
        return flusher;
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** True when shutdown left queries running downstream: the gate must let their leases lapse, not release them. */
    public boolean abandonedSlots() {
        return handover.abandonedSlots();
    }

    /** False while the slot pool cannot be reached: nothing runs then, and {@code /readyz} says so. */
    public boolean gateHealthy() {
        return gateHealth.healthy();
    }

    /** False while a poison record's dead letter fails non-retriably (e.g. too large, no ACL): see the log. */
    public boolean deadLettersHealthy() {
        return flusher.problem() == null;
    }

    /** True while the loop turns; a loop stuck for a minute, or one that died of an error, fails {@code /healthz}. */
    public boolean live() {
        if (failure != null) {
            return false;
        }
        return stopped.getCount() == 0 || nanoTime.getAsLong() - lastLoopNanos < TimeUnit.MINUTES.toNanos(1);
    }

    /** The error that ended the loop, or null while it runs or after a requested stop. */
    public RuntimeException failure() {
        return failure;
    }

    public int inFlight() {
        return inFlightGauge.get();
    }

    /** Partitions this worker owns right now. */
    public int assignedPartitions() {
        return table.assigned();
    }

    /** Partitions waiting on the pool or a back-off right now. */
    public int pausedPartitions() {
        return pausedByGate.get();
    }

    public long pauses() {
        return (long) pauses.count();
    }

    // ---- the loop -------------------------------------------------------------------------

    void subscribe() {
        consumer.subscribe(List.of(topic), handover.listener(() -> {
            fetchCheck.active();   // the new partitions' records may come at once
            applyPauses(nanoTime.getAsLong());
        }));
    }

    void loopOnce() {
        long now = nanoTime.getAsLong();
        lastLoopNanos = now;
        events.drain();
        dispatch(now);
        applyPauses(now);
        flusher.maybeFlush(table.all());
        Duration wait = pollWait(nanoTime.getAsLong());
        boolean looking = false;
        if (!wait.isZero()) {
            // Wait for our own events, never inside consumer.poll(timeout): the KIP-848 consumer (kafka-clients
            // 4.4) can return to its own loop without waiting and burn a core for the whole timeout (seen with
            // paused partitions holding fetched data; see docs/BENCHMARKS.md, "Waiting is free"). While some
            // partition can fetch, look for new records after fetchCheck.next() (100 ms, backing off to 1 s
            // once no records came for 30 s); then poll(0) collects what the consumer's background thread fetched,
            // sends the next fetch, runs rebalance callbacks and keeps the membership alive.
            Duration look = fetchCheck.next();
            looking = !table.allPaused() && look.compareTo(wait) < 0;
            events.await(looking ? look : wait);
        }
        try {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ZERO);
            if (!records.isEmpty()) {
                fetchCheck.active();
            } else if (looking) {
                fetchCheck.foundNothing();
            }
            for (ConsumerRecord<byte[], byte[]> record : records) {
                accept(record);
            }
        } catch (WakeupException e) {
            // consumer.wakeup() is not used by the loop; someone else's: the next turn goes on
        }
    }

    /** From any thread: an event for the poll thread. */
    void post(Runnable event) {
        events.post(event);
    }

    /** Times the poll thread was unparked (for tests). */
    long wakeups() {
        return events.wakeups();
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        PartitionWork w = table.get(tp);
        if (w == null) {
            return;   // revoked between fetch and now; the new owner reads it
        }
        try {
            w.addBatch(record.offset(), MessageCodec.decodeBatch(record.value()));
        } catch (PoisonRecordException e) {
            LOG.warn("poison record {}@{}: {}", tp, record.offset(), e.getMessage());
            w.addSingle(record.offset());
            w.output(record.offset(), new Output(OutputRecords.deadLetter(deadLetterTopic, record.key(), record.value(),
                    Reason.POISON, record.topic(), record.partition(), record.offset(), e.getMessage()), null, Output.POISON));
            w.orgFinished(record.offset());
        }
    }

    private void dispatch(long now) {
        if (gateHealth.down(now)) {
            return;
        }
        for (PartitionWork w : table.all()) {
            w.promoteDue(now);
        }
        boolean progress = true;
        while (progress && inFlight < maxInFlight && !stopping) {
            progress = false;
            // Round-robin, one org per partition per round, so no partition starves the others of this
            // process's share. A partition the pool refused stays paused until the pool hands it a slot.
            for (PartitionWork w : table.all()) {
                if (inFlight >= maxInFlight) break;
                if (w.waitingForSlot > 0 || w.ready.isEmpty()) continue;
                OrgTask task = w.ready.poll();
                inFlight++;
                w.inFlight++;
                inFlightGauge.set(inFlight);
                admit(w, task);
                progress = true;
            }
        }
    }

    /** Orgs whose result would be older than their org's latest never ask for a slot (ResultGuard). */
    private void admit(PartitionWork w, OrgTask task) {
        processor.admit(task).thenAccept(early -> post(() -> {
            if (early == null && w.active && !stopping) askSlot(w, task, Duration.ZERO);
            else orgDone(w, task, early);
        }));
    }

    private void askSlot(PartitionWork w, OrgTask task, Duration maxWait) {
        CompletableFuture<SlotGate.Result> answer = gate.acquire(task.owner(workerId), processor.slotClass(task), maxWait);
        w.asks.add(answer);
        if (!w.active) {
            answer.cancel(false);   // revoked meanwhile: drop() may have missed this ask
        }
        answer.whenComplete((result, error) -> {
            w.asks.remove(answer);
            if (result instanceof SlotGate.Granted granted) {
                if (!w.active || stopping) {
                    granted.permit().release();
                    post(() -> orgDone(w, task, null));
                    return;
                }
                // Start the query right here, not after a trip through the loop: the slot is already held.
                // Revoked meanwhile: it still runs to its end under its slot, and its result is dropped.
                CompletableFuture<OrgOutcome> done = processor.process(task, granted.permit());
                done.whenComplete((outcome, e) -> {
                    post(() -> orgDone(w, task, e == null ? outcome
                            : new OrgOutcome.Retry(Duration.ofSeconds(1), false, "processing failed: " + e)));
                });
            }
            post(() -> slotAnswered(w, task, result, error, maxWait));
        });
    }

    private void slotAnswered(PartitionWork w, OrgTask task, SlotGate.Result result, Throwable error, Duration askedWait) {
        boolean wasWaiting = !askedWait.isZero();
        if ((stopping || !w.active) && !(result instanceof SlotGate.Granted)) {
            if (wasWaiting) w.waitingForSlot--;
            orgDone(w, task, null);   // never ran; redelivered to whoever owns the partition next
            return;
        }
        switch (result) {
            case SlotGate.Granted g -> {
                if (wasWaiting) w.waitingForSlot--;
                gateHealth.answered();
            }
            case SlotGate.Refused r -> {
                gateHealth.answered();
                if (!w.active || stopping) {
                    if (wasWaiting) w.waitingForSlot--;
                    orgDone(w, task, null);
                    return;
                }
                if (!wasWaiting) {
                    pauses.increment();
                    w.waitingForSlot++;
                }
                // Wait in the pool's first-come-first-served queue; the pool hands over a slot on a release.
                askSlot(w, task, slotWait);
            }
            case SlotGate.Unavailable u -> {
                if (wasWaiting) w.waitingForSlot--;
                gateFailed(w, task, u.cause());
            }
            case null -> {
                if (wasWaiting) w.waitingForSlot--;
                gateFailed(w, task, error);
            }
        }
    }

    private void gateFailed(PartitionWork w, OrgTask task, Throwable cause) {
        leftFlight(w);
        if (w.active) {
            w.ready.addFirst(task);
        }
        gateHealth.failed(nanoTime.getAsLong(), cause);
    }

    /** One org of {@code w} is no longer asking for a slot or running. */
    private void leftFlight(PartitionWork w) {
        inFlight--;
        w.inFlight--;
        inFlightGauge.set(inFlight);
    }

    /** {@code outcome} null: the org never ran (its partition went away); nothing to record. */
    private void orgDone(PartitionWork w, OrgTask task, OrgOutcome outcome) {
        leftFlight(w);
        if (!w.active || outcome == null) {
            return;
        }
        switch (outcome) {
            case OrgOutcome.Finished f -> w.orgFinished(task.offset());
            case OrgOutcome.Write out -> {
                w.output(task.offset(), out.output());
                w.orgFinished(task.offset());
            }
            case OrgOutcome.Retry r -> w.delayed.add(task.retryAt(nanoTime.getAsLong() + r.delay().toNanos(), r.countsAsAttempt()));
        }
    }

    private void applyPauses(long now) {
        boolean gateDown = gateHealth.down(now);
        pausedByGate.set(table.applyPauses(gateDown || stopping, gateDown, now));
        if (table.takeResumed()) {
            fetchCheck.resumed();   // a resumed or newly assigned partition's records come soon
        }
    }

    private Duration pollWait(long now) {
        if (!events.isEmpty()) {
            return Duration.ZERO;
        }
        long until = now + MAX_POLL_WAIT.toNanos();
        if (gateHealth.down(now)) {
            until = Math.min(until, gateHealth.downUntil());
        } else {
            until = flusher.nextDue(table.all(), table.nextDue(until, inFlight < maxInFlight));
        }
        return until <= now ? Duration.ZERO : Duration.ofNanos(until - now);
    }
}
