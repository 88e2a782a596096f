package io.sluice.worker;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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

    void commitAsync(Collection<PartitionWork> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = due(partitions);
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (done, e) -> {
                if (e != null) {
                    // The next commit carries a higher offset for the same partitions, so nothing is lost.
                    LOG.warn("async commit of {} failed: {}", done, e.toString());
                }
            });
        }
    }

    void commitSync(Collection<PartitionWork> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = due(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                consumer.commitSync(offsets, syncTimeout);
                return;
            } catch (WakeupException e) {
                if (attempt > 2) throw e;   // a wakeup meant for poll(); the commit still has to happen
            } catch (RuntimeException e) {
                LOG.warn("commit of {} failed: {}; those records will be redelivered (results are upserts)", offsets, e.toString());
                return;
            }
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> due(Collection<PartitionWork> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionWork w : partitions) {
            w.offsets.committable().ifPresent(next -> {
                if (next > w.lastCommitted) {
                    offsets.put(w.partition, new OffsetAndMetadata(next));
                    w.lastCommitted = next;
                }
            });
        }
        return offsets;
    }
}
