package io.sluice.slots.internal;

import io.sluice.slots.Acquisition;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/** One queued acquire: its ticket, the future its caller holds, and its wait timer. */
final class Waiter {
    final long n;
    final String owner;
    final String base;
    final String ticket;
    final long startNanos;
    final CompletableFuture<Acquisition> future = new CompletableFuture<>();
    volatile long queuedNanos;
    volatile long position;
    volatile ScheduledFuture<?> timeout;

    Waiter(long n, String owner, String base, String ticket, long startNanos) {
        this.n = n;
        this.owner = owner;
        this.base = base;
        this.ticket = ticket;
        this.startNanos = startNanos;
    }

    void cancelTimers() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
