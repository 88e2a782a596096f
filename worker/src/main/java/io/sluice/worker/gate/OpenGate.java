package io.sluice.worker.gate;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** No gate at all: every query runs at once. Only for showing what the pool prevents. */
public final class OpenGate implements SlotGate {
    private static final Permit PERMIT = new Permit() {
        private final CompletableFuture<Void> never = new CompletableFuture<>();

        @Override
        public CompletableFuture<?> lost() {
            return never;
        }

        @Override
        public void release() {
        }

        @Override
        public void releaseAfter(Duration after) {
        }
    };

    @Override
    public CompletableFuture<Result> acquire(String owner, Duration maxWait) {
        return CompletableFuture.completedFuture(new Granted(PERMIT));
    }

    @Override
    public void close() {
    }
}
