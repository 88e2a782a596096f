package io.sluice.worker;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Commits, per partition, the highest contiguous finished offset + 1 — never lower than what this
 * process committed before. Asynchronous while running; synchronous on revoke and shutdown.
 */
final class Committer {
    private static final Logger LOG = LoggerFactory.getLogger(Committer.class);
    private final Consumer<?, ?> consumer;
    private final Duration syncTimeout;

    Committer(Consumer<?, ?> consumer, Duration syncTimeout) {
        this.consumer = consumer;
        this.syncTimeout = syncTimeout;
    }

    /**
     * Sends what is due without waiting. {@code lastCommitted} moves only when the broker confirms
     * (the callback runs on this thread, inside a later poll); a failed commit leaves it where it
     * was, so the next call sends the offset again, and so does a synchronous commit on revoke.
     */
    void commitAsync(Collection<PartitionWork> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = due(partitions, true);
        if (offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, PartitionWork> by = new HashMap<>();
        partitions.forEach(w -> by.put(w.partition, w));
        consumer.commitAsync(offsets, (done, e) -> {
            for (Map.Entry<TopicPartition, OffsetAndMetadata> c : offsets.entrySet()) {
                PartitionWork w = by.get(c.getKey());
                if (w == null) {
                    continue;
                }
                long offset = c.getValue().offset();
                if (e == null) {
                    w.lastCommitted = Math.max(w.lastCommitted, offset);
                }
                if (w.commitInFlight == offset) {
                    w.commitInFlight = -1;   // settled either way: a failure is sent again next time
                }
            }
            if (e != null) {
                LOG.warn("async commit of {} failed: {}; it is sent again", offsets, e.toString());
            }
        });
    }

    /** Commits what is due and waits; retried a few times; on failure those records are redelivered. */
    void commitSync(Collection<PartitionWork> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = due(partitions, false);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                consumer.commitSync(offsets, syncTimeout);
                for (PartitionWork w : partitions) {
                    OffsetAndMetadata c = offsets.get(w.partition);
                    if (c != null) {
                        w.lastCommitted = Math.max(w.lastCommitted, c.offset());
                    }
                }
                return;
            } catch (WakeupException e) {
                if (attempt > 2) throw e;   // a wakeup meant for poll(); the commit still has to happen
            } catch (RetriableCommitFailedException e) {
                if (attempt > 2) {
                    LOG.warn("commit of {} failed {} times: {}; those records will be redelivered (results are upserts)",
                            offsets, attempt + 1, e.toString());
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("commit of {} failed: {}; those records will be redelivered (results are upserts)", offsets, e.toString());
                return;
            }
        }
    }

    /**
     * Per partition, the committable offset when it is above what the broker confirmed (never lower:
     * a commit only moves forward) and, for async commits, not already on its way.
     */
    private static Map<TopicPartition, OffsetAndMetadata> due(Collection<PartitionWork> partitions, boolean async) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionWork w : partitions) {
            w.offsets.committable().ifPresent(next -> {
                if (next > w.lastCommitted && !(async && next == w.commitInFlight)) {
                    offsets.put(w.partition, new OffsetAndMetadata(next));
                    if (async) {
                        w.commitInFlight = next;
                    }
                }
            });
        }
        return offsets;
    }
}
