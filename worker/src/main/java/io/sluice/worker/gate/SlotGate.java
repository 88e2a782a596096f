package io.sluice.worker.gate;

import io.sluice.slots.Feedback;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What the worker asks before every downstream query. The real gate is the Redis slot pool
 * ({@link PoolGate}); {@link OpenGate} lets everything through, the way the original incident ran
 * ({@code sluice local --no-slots}).
 */
public interface SlotGate extends AutoCloseable {

    /**
     * Asks for a slot. With {@code maxWait} zero the answer is immediate; otherwise the caller waits
     * in the pool's first-come-first-served queue and the future completes when a slot is handed over,
     * or with {@link Refused} once {@code maxWait} passed.
     */
    CompletableFuture<Result> acquire(String owner, Duration maxWait);

    /** Whether slots can be taken in {@code slotClass}, a class a batch names: true unless the pool declares no such class. */
    default boolean declaresClass(String slotClass) {
        return true;
    }

    /** {@link #acquire(String, Duration)} in a class of the pool; null: the gate's own ({@code slots.class}). */
    default CompletableFuture<Result> acquire(String owner, String slotClass, Duration maxWait) {
        return acquire(owner, maxWait);
    }

    /** What the downstream answered a query that held a slot, for an adaptive limit; ignored by default. */
    default void observe(Feedback feedback) {
    }

    @Override
    void close();

    /** Drops the gate as a crashed process would: held slots are not given back, they lapse with their leases. */
    default void abandon() {
        close();
    }

    sealed interface Result permits Granted, Refused, Unavailable {
    }

    /** A slot is held until {@link Permit#release()}. */
    record Granted(Permit permit) implements Result {
    }

    /** The pool is full; try again after {@code retryAfter} (or wait in the queue). */
    record Refused(String reason, Duration retryAfter) implements Result {
    }

    /** The pool could not be asked (Redis unreachable): fail closed, nothing runs. */
    record Unavailable(Throwable cause) implements Result {
    }

    interface Permit {
        /** Completes when the holder can no longer be sure it holds the slot; the query must then be cancelled. */
        CompletableFuture<?> lost();

        /** Gives the slot back now: the downstream is done with the query (or never had it). */
        void release();

        /**
         * Gives the slot back once {@code after} has passed, holding it (renewed) until then: for a query we stopped
         * waiting for that the downstream may still be running. Nothing is given back early if the lease is lost.
         */
        void releaseAfter(Duration after);
    }
}
