package io.sluice.redis;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread all of this process's Redis clients share (Lettuce's command timeouts,
 * handshake timeouts and reconnect delays). Lettuce gives every {@code ClientResources} a
 * {@link HashedWheelTimer} of its own, and a wheel timer, once started, wakes every tick (100 ms) for
 * as long as it lives, work or none: a worker with a slot pool client and a result-watermark link
 * paid two threads waking 10 times a second each, about 0.1 % of a core apiece while it waited.
 *
 * <p>Each client gets a {@link #scope()}: a view of the shared wheel (same tick and precision as
 * Lettuce's own) that {@link Scope#stop() stops} with the client, cancelling what the client left
 * pending, as Lettuce stops a timer of its own; otherwise e.g. a closed client's handshake timeout
 * would fire later on its shut-down event loop. The wheel's thread is a daemon, started on first use.
 */
public final class RedisTimer {
    private RedisTimer() {
    }

    private static final class Holder {
        static final Timer SHARED = new HashedWheelTimer(Thread.ofPlatform().daemon().name("sluice-redis-timer").factory(),
                100, TimeUnit.MILLISECONDS);
    }

    /** A new view of the process-wide timer, for one {@code ClientResources.builder().timer(...)}; stop it with them. */
    public static Scope scope() {
        return new Scope(Holder.SHARED);
    }

    /** One client's timeouts on the shared wheel; {@link #stop()} cancels those still pending. */
    public static final class Scope implements Timer {
        private final Timer wheel;
        private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
        private volatile boolean stopped;

        private Scope(Timer wheel) {
            this.wheel = wheel;
        }

        @Override
        public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
            if (stopped) {
                throw new RejectedExecutionException("the Redis client's timer was stopped");
            }
            Pending p = new Pending(this, task);
            pending.add(p);
            p.delegate = wheel.newTimeout(t -> {
                if (pending.remove(p) && !stopped) {
                    task.run(p);
                }
            }, delay, unit);
            if (stopped) {
                p.cancel();   // stopped meanwhile
            }
            return p;
        }

        @Override
        public Set<Timeout> stop() {
            stopped = true;
            Set<Timeout> left = Set.copyOf(pending);
            left.forEach(Timeout::cancel);
            return left;
        }

        /** Timeouts of this scope not yet run or cancelled (for tests). */
        int pending() {
            return pending.size();
        }
    }

    private static final class Pending implements Timeout {
        private final Scope scope;
        private final TimerTask task;
        private volatile Timeout delegate;

        Pending(Scope scope, TimerTask task) {
            this.scope = scope;
            this.task = task;
        }

        @Override
        public Timer timer() {
            return scope;
        }

        @Override
        public TimerTask task() {
            return task;
        }

        @Override
        public boolean isExpired() {
            Timeout d = delegate;
            return d != null && d.isExpired();
        }

        @Override
        public boolean isCancelled() {
            Timeout d = delegate;
            return d != null && d.isCancelled();
        }

        @Override
        public boolean cancel() {
            scope.pending.remove(this);
            Timeout d = delegate;
            return d != null && d.cancel();
        }
    }
}
