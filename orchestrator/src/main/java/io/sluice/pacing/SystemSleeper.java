package io.sluice.pacing;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Waits on a condition, so that {@link #wake()} ends a long pacing wait at once. */
final class SystemSleeper implements Sleeper {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private boolean awake;

    @Override
    public void sleep(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!awake && left > 0) {
                left = woken.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake() {
        lock.lock();
        try {
            awake = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
