package io.sluice.worker;

import io.sluice.messages.Batch;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Everything the worker holds for one assigned partition: orgs ready to run, orgs waiting for a
 * retry, whether it waits for a slot, and which offsets are finished. This, not
 * {@code consumer.paused()}, is the source of truth for pausing.
 */
final class PartitionWork {
    final TopicPartition partition;
    /** Changes on every assignment, so late events of an earlier assignment are recognised and dropped. */
    final long epoch;
    final Deque<OrgTask> ready = new ArrayDeque<>();
    final PriorityQueue<OrgTask> delayed = new PriorityQueue<>(Comparator.comparingLong(OrgTask::notBeforeNanos));
    final OffsetTracker offsets = new OffsetTracker();
    /** Slot requests not answered yet: cancelled on revocation, which withdraws their tickets from the pool. */
    final java.util.Set<java.util.concurrent.CompletableFuture<?>> asks = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** False once revoked or lost; read by gate callbacks on other threads. */
    volatile boolean active = true;
    private final Map<Long, Integer> orgsLeft = new HashMap<>();
    /** Orgs the pool refused that now wait in its first-come-first-served queue: while > 0 the partition is paused. */
    int waitingForSlot;
    int inFlight;
    /** What was last applied to the consumer; null after an assignment, so it is applied afresh. */
    Boolean appliedPause;
    /** The highest offset committed for this partition (by this process), with its output. */
    long lastCommitted = -1;
    /** Records waiting for their batch (by offset) to join the finished prefix; written by {@link Flusher}. */
    final java.util.TreeMap<Long, java.util.List<Output>> outputs = new java.util.TreeMap<>();
    /** No flush of this partition before this nanoTime (a write of it failed, or an org was busy); 0: none. */
    long flushNotBefore;
    /** Failed flushes of this partition in a row (its back-off). */
    int flushFailures;

    PartitionWork(TopicPartition partition, long epoch) {
        this.partition = partition;
        this.epoch = epoch;
    }

    void addBatch(long offset, Batch batch) {
        offsets.fetched(offset);
        orgsLeft.put(offset, batch.orgIds().size());
        for (long org : batch.orgIds()) {
            ready.add(new OrgTask(partition, offset, batch, org, 0, 0));
        }
    }

    /** A record that needs no org work (poison, dead-lettered): finished once its dead letter is acked. */
    void addSingle(long offset) {
        offsets.fetched(offset);
        orgsLeft.put(offset, 1);
    }

    /** Keeps {@code output} until its batch joins the finished prefix. */
    void output(long offset, Output output) {
        outputs.computeIfAbsent(offset, k -> new java.util.ArrayList<>(2)).add(output);
    }

    /** The offset to commit next (the finished prefix's end), or -1 when nothing is finished yet. */
    long committable() {
        return offsets.committable().orElse(-1);
    }

    void orgFinished(long offset) {
        Integer left = orgsLeft.computeIfPresent(offset, (k, v) -> v - 1);
        if (left != null && left == 0) {
            orgsLeft.remove(offset);
            offsets.finished(offset);
        }
    }

    void promoteDue(long nowNanos) {
        while (!delayed.isEmpty() && delayed.peek().notBeforeNanos() <= nowNanos) {
            ready.addFirst(delayed.poll());
        }
    }

    /**
     * Below this many orgs ready (and nothing waiting on the pool or a back-off) a partition fetches its next
     * records while its last orgs run, so that its ready queue does not run dry between two fetches: a
     * partition resumed only once empty left its worker with nothing to hand the pool for a fetch and a look
     * (100 ms or more), and near the end of a run every partition did so at about the same time.
     */
    static final int REFILL_BELOW = 32;

    /**
     * Enough work fetched and not dispatched yet, an org waiting on the pool or a back-off, or output that
     * failed to be written: the partition fetches nothing more (what it fetched is kept, never skipped).
     */
    boolean hasPendingWork() {
        return ready.size() >= REFILL_BELOW || !delayed.isEmpty() || waitingForSlot > 0 || flushFailures > 0;
    }

    /** Adds this partition to {@code pause} or {@code resume} when {@code paused} differs from what the consumer was last told. */
    void want(boolean paused, java.util.List<TopicPartition> pause, java.util.List<TopicPartition> resume) {
        // Only changes reach the consumer (each call is a round trip to its background thread in KIP-848 mode).
        if (appliedPause == null || appliedPause != paused) {
            (paused ? pause : resume).add(partition);
            appliedPause = paused;
        }
    }

    /** Waiting on the pool or on a back-off: what {@code sluice.worker.partitions.paused} counts. */
    boolean blockedByGate(long nowNanos) {
        return waitingForSlot > 0 || (!delayed.isEmpty() && ready.isEmpty() && delayed.peek().notBeforeNanos() > nowNanos);
    }
}
