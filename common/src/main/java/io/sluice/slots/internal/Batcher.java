package io.sluice.slots.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Natural batching: an item submitted while nothing is in flight goes out at once, alone; items
 * submitted while a batch is in flight go out together as soon as it is answered. Under light
 * load nothing waits; under heavy load one script call (and its fixed Redis commands) serves many
 * callers. At most one batch per batcher is in flight.
 */
final class Batcher<T> {
    private final int maxBatch;
    private final Function<List<T>, CompletableFuture<?>> send;
    private List<T> pending = new ArrayList<>();
    private boolean inFlight;

    /** {@code send} delivers each item's outcome itself; its future only says the batch is over. */
    Batcher(int maxBatch, Function<List<T>, CompletableFuture<?>> send) {
        this.maxBatch = maxBatch;
        this.send = send;
    }

    void submit(T item) {
        List<T> batch;
        synchronized (this) {
            pending.add(item);
            if (inFlight) {
                return;
            }
            inFlight = true;
            batch = take();
        }
        dispatch(batch);
    }

    private void dispatch(List<T> batch) {
        CompletableFuture<?> done;
        try {
            done = send.apply(batch);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((ignored, error) -> next());
    }

    private void next() {
        List<T> batch;
        synchronized (this) {
            if (pending.isEmpty()) {
                inFlight = false;
                return;
            }
            batch = take();
        }
        dispatch(batch);
    }

    /** Caller holds the lock. */
    private List<T> take() {
        if (pending.size() <= maxBatch) {
            List<T> all = pending;
            pending = new ArrayList<>();
            return all;
        }
        List<T> head = new ArrayList<>(pending.subList(0, maxBatch));
        pending = new ArrayList<>(pending.subList(maxBatch, pending.size()));
        return head;
    }
}
