package io.sluice.orchestrator;

import io.micrometer.core.instrument.Clock;
import io.sluice.messages.Batch;

import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A {@link BatchSink} that keeps what it was sent, with the monotonic time of each send, and can misbehave on cue. */
final class RecordingSink implements BatchSink {
    record Sent(Batch batch, long atNanos) {
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    final Map<Long, Consumer<Batch>> onSend = new ConcurrentHashMap<>();
    private final Clock clock;
    volatile boolean opened;
    volatile boolean closed;

    RecordingSink(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void open() {
        opened = true;
    }

    @Override
    public void send(Batch batch) {
        long at = clock.monotonicTime();
        Consumer<Batch> hook = onSend.get(batch.seq());
        if (hook != null) {
            hook.accept(batch);   // may throw: then the batch counts as not acknowledged
        }
        sent.add(new Sent(batch, at));
    }

    /** What a topic holding every batch this sink was sent would hold of {@code runId} (since is ignored). */
    @Override
    public SortedMap<Long, Batch> published(String runId, Instant since) {
        SortedMap<Long, Batch> out = new TreeMap<>();
        sent.stream().map(Sent::batch).filter(b -> b.runId().equals(runId)).forEach(b -> out.put(b.seq(), b));
        return out;
    }

    List<Long> seqs() {
        return sent.stream().map(s -> s.batch().seq()).toList();
    }

    @Override
    public void close() {
        closed = true;
    }
}
