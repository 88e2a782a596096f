package io.sluice.worker;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps the poll loop's hand-offs going while a periodic flush waits on Redis (the publish locks) or on
 * the broker (the transaction commit): instead of blocking the poll thread for the whole wait, the
 * wait runs elsewhere and the poll thread meanwhile runs its events and dispatches orgs, as a loop
 * turn would. Without it a flush held the loop for 30 ms to over a second on a busy machine; the orgs
 * that finished meanwhile were not counted out of flight, none was dispatched, and the pool's queue of
 * waiting tickets ran dry: the downstream emptied while thousands of orgs waited (docs/BENCHMARKS.md,
 * "Whole runs against their minimum").
 *
 * <p>Only events and dispatch run meanwhile, never a poll, a pause or another flush: the consumer is
 * not touched, and what the flush writes (the finished prefix of each partition) no event changes.
 * Poll thread only.
 */
final class FlushPump {
    /** The longest the poll thread parks between two looks at the wait, when no event wakes it. */
    private static final Duration LOOK = Duration.ofMillis(20);

    private final LoopEvents events;
    private final Runnable turn;

    /** @param turn what the loop does meanwhile: run its events, dispatch */
    FlushPump(LoopEvents events, Runnable turn) {
        this.events = events;
        this.turn = turn;
    }

    /** {@code future}'s value, running loop turns until it completes or {@code timeout} passes. */
    <T> T get(CompletableFuture<T> future, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        future.whenComplete((x, e) -> events.post(() -> { }));   // wakes the poll thread when the wait ends
        while (!future.isDone()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return future.get(0, TimeUnit.NANOSECONDS);
            }
            events.await(LOOK.toNanos() < left ? LOOK : Duration.ofNanos(left));
            turn.run();
        }
        return future.get();
    }

    /** Runs {@code blocking} on a thread of its own, running loop turns until it returns; rethrows what it threw. */
    void run(Runnable blocking) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("sluice-flush-wait").start(() -> {
            try {
                blocking.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            get(done, Duration.ofDays(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.join();   // the producer's transaction must not be left half-way: wait for it regardless
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("unreachable: a day's wait", e);
        }
    }
}
