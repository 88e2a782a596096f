package io.sluice.worker;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The partitions this worker owns and what it holds for each, touched by the poll thread only.
 * Owns the pause state the consumer is told (ours is the source of truth, re-applied on every
 * assignment) and what leaving a partition means: its waiting tickets are withdrawn from the pool's
 * queue at once. Its running queries keep their slots until they end (the downstream runs a query to
 * its end whatever the client does, so giving the slot back earlier would break the cap); their
 * results are dropped.
 */
final class PartitionTable {
    private final Consumer<?, ?> consumer;
    private final Map<TopicPartition, PartitionWork> table = new LinkedHashMap<>();
    private long epochs;
    private boolean resumed;
    private volatile int assigned;

    PartitionTable(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    Collection<PartitionWork> all() {
        return table.values();
    }

    PartitionWork get(TopicPartition tp) {
        return table.get(tp);
    }

    /** Partitions owned right now; readable from any thread. */
    int assigned() {
        return assigned;
    }

    /** Adds the new partitions and forgets what the consumer was told, so every pause is applied afresh. */
    void assign(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            table.computeIfAbsent(tp, p -> new PartitionWork(p, ++epochs));
        }
        assigned = table.size();
        table.values().forEach(w -> w.appliedPause = null);
    }

    /**
     * Removes revoked or lost partitions. Another member owns their orgs now: their tickets leave the
     * pool's queue; their running queries finish under their slots and come back to the loop with the
     * partition inactive, which drops their results. Returns what was removed (for the revoke flush).
     */
    List<PartitionWork> drop(Collection<TopicPartition> partitions) {
        List<PartitionWork> gone = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            PartitionWork w = table.remove(tp);
            if (w != null) {
                w.active = false;
                w.ready.clear();
                w.delayed.clear();
                w.asks.forEach(a -> a.cancel(false));
                gone.add(w);
            }
        }
        assigned = table.size();
        return gone;
    }

    /**
     * Tells the consumer what changed: a partition with work not yet dispatched (or everything, while
     * {@code pauseAll}) fetches nothing more, so fetched work is kept, never skipped. Returns how many
     * partitions wait on the pool or a back-off.
     */
    int applyPauses(boolean pauseAll, boolean gateDown, long now) {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        int blocked = 0;
        for (PartitionWork w : table.values()) {
            w.want(pauseAll || w.hasPendingWork(), pause, resume);
            if (gateDown || w.blockedByGate(now)) blocked++;
        }
        if (!pause.isEmpty()) consumer.pause(pause);
        if (!resume.isEmpty()) {
            consumer.resume(resume);
            resumed = true;
        }
        return blocked;
    }

    /** Whether some partition was resumed (or newly assigned) since the last call. */
    boolean takeResumed() {
        boolean r = resumed;
        resumed = false;
        return r;
    }

    /** Every owned partition is paused (as we last told the consumer); false when none is owned. */
    boolean allPaused() {
        if (table.isEmpty()) {
            return false;
        }
        for (PartitionWork w : table.values()) {
            if (w.appliedPause != Boolean.TRUE) {
                return false;
            }
        }
        return true;
    }

    /**
     * The earliest of {@code until} and the partitions' next retry (nanoTime), or {@link Long#MIN_VALUE}
     * when some partition has an org ready to dispatch and {@code canDispatch}.
     */
    long nextDue(long until, boolean canDispatch) {
        for (PartitionWork w : table.values()) {
            if (canDispatch && w.waitingForSlot == 0 && !w.ready.isEmpty()) {
                return Long.MIN_VALUE;
            }
            if (!w.delayed.isEmpty()) {
                until = Math.min(until, w.delayed.peek().notBeforeNanos());
            }
        }
        return until;
    }
}
