package io.sluice.orchestrator;

import io.micrometer.core.instrument.Clock;
import io.sluice.messages.Batch;

import java.util.List;
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

    List<Long> seqs() {
        return sent.stream().map(s -> s.batch().seq()).toList();
    }

    @Override
    public void close() {
        closed = true;
    }
}
