package io.sluice.worker;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * What giving partitions up means, on the poll thread. Revoked: the finished orgs already reported
 * are drained, the partitions' waiting tickets withdrawn (running queries end under their slots, their
 * results dropped), and their finished prefix written with its offsets, before another member takes them. Lost: dropped without writing
 * (another member may own them already). Shutdown: stop fetching, give in-flight orgs the grace
 * period, abandon the rest (their slots lapse with their leases), write what finished, close.
 */
final class Handover {
    private static final Logger LOG = LoggerFactory.getLogger(Handover.class);
    private final String workerId;
    private final Consumer<?, ?> consumer;
    private final PartitionTable table;
    private final Flusher flusher;
    private final LoopEvents events;
    private final OrgWork processor;
    private volatile boolean abandoned;

    Handover(String workerId, Consumer<?, ?> consumer, PartitionTable table, Flusher flusher, LoopEvents events, OrgWork processor) {
        this.workerId = workerId;
        this.consumer = consumer;
        this.table = table;
        this.flusher = flusher;
        this.events = events;
        this.processor = processor;
    }

    /** The rebalance listener; {@code afterAssign} re-applies the pause state to every partition. */
    ConsumerRebalanceListener listener(Runnable afterAssign) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                events.drain();   // finished orgs already reported must count in these partitions' last flush
                List<PartitionWork> gone = table.drop(partitions);
                flusher.flush(gone, true);   // their output and offsets, in one transaction, before another member takes them
                flusher.forget(gone);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                // Another member may own them already: their unwritten output is dropped, their batches redelivered.
                flusher.forget(table.drop(partitions));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                table.assign(partitions);   // pause state is ours, not the consumer's: re-applied to every partition now
                afterAssign.run();
            }
        };
    }

    /** True once shutdown abandoned running queries: their slots must lapse, not be given back. */
    boolean abandonedSlots() {
        return abandoned;
    }

    /** Stops fetching, waits up to {@code grace} for {@code inFlight} to reach 0, cancels the rest, writes, closes. */
    void shutdown(Duration grace, IntSupplier inFlight) {
        LOG.info("worker {} stopping: {} orgs in flight, grace {}", workerId, inFlight.getAsInt(), grace);
        consumer.pause(consumer.assignment());
        table.all().forEach(w -> w.asks.forEach(a -> a.cancel(false)));   // waiting tickets leave the pool's queue
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.getAsInt() > 0 && System.nanoTime() - deadline < 0) {
            events.drain();
            events.await(Duration.ofMillis(50));   // everything is paused: wait for our events, not inside poll
            try {
                consumer.poll(Duration.ZERO);   // keeps group membership
            } catch (WakeupException e) {
                // an event
            }
        }
        if (inFlight.getAsInt() > 0) {
            int running = processor.abandonAll();
            abandoned = running > 0;
            LOG.warn("grace period over; cancelling {} in-flight orgs (they are redelivered); the slots of {} queries the "
                    + "downstream may still run are left to lapse with their leases", inFlight.getAsInt(), running);
        }
        events.drain();
        flusher.flush(table.all(), true);
        try {
            consumer.close(ShutdownBudget.CONSUMER_CLOSE);
        } catch (RuntimeException e) {
            LOG.warn("consumer close: {}", e.toString());
        }
        LOG.info("worker {} stopped", workerId);
    }
}
