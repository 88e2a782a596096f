package io.sluice.worker.gate;

import io.sluice.slots.Feedback;
import io.sluice.slots.Acquisition;
import io.sluice.slots.Lease;
import io.sluice.slots.SlotPool;
import io.sluice.slots.internal.RedisSlotPool;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The slot pool as the worker's gate. */
public final class PoolGate implements SlotGate {
    private final SlotPool pool;
    private final String slotClass;

    public PoolGate(SlotPool pool) {
        this(pool, null);
    }

    /** {@code slotClass}: the class slots are taken in when a batch names none ({@code slots.class}; null: the pool's first). */
    public PoolGate(SlotPool pool, String slotClass) {
        this.pool = pool;
        this.slotClass = slotClass;
    }

    /** The pool's declaration as this client last saw it (a heartbeat brings an applied change). */
    @Override
    public boolean declaresClass(String batchClass) {
        if (!(pool instanceof RedisSlotPool redis)) {
            return true;
        }
        String decl = redis.declaration();
        return decl != null && !decl.isEmpty() && io.sluice.slots.PoolDeclaration.decode("", decl).classes().stream()
                .anyMatch(c -> c.name().equals(batchClass));
    }

    @Override
    public CompletableFuture<Result> acquire(String owner, Duration maxWait) {
        return acquire(owner, null, maxWait);
    }

    @Override
    public CompletableFuture<Result> acquire(String owner, String batchClass, Duration maxWait) {
        CompletableFuture<Acquisition> pending = pool.acquire(owner, batchClass != null ? batchClass : slotClass, maxWait);
        CompletableFuture<Result> result = pending.thenApply(a -> switch (a) {
            case Acquisition.Granted g -> new Granted(permit(g.lease()));
            case Acquisition.Refused r -> new Refused(r.reason().toString(), r.retryAfter());
            case Acquisition.Failed f -> new Unavailable(f.cause());
        });
        // Cancelling our answer withdraws the ticket from the pool's queue.
        result.whenComplete((x, e) -> {
            if (result.isCancelled()) pending.cancel(false);
        });
        return result;
    }

    private Permit permit(Lease lease) {
        return new Permit() {
            @Override
            public CompletableFuture<?> lost() {
                return lease.lost();
            }

            @Override
            public void release() {
                pool.release(lease);
            }

            @Override
            public void releaseAfter(Duration after) {
                pool.releaseAfter(lease, after);
            }
        };
    }

    @Override
    public void observe(Feedback feedback) {
        pool.observe(feedback);
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public void abandon() {
        if (pool instanceof RedisSlotPool redis) {
            redis.closeAbruptly();
        } else {
            pool.close();
        }
    }
}
