package io.sluice.bench;

import java.util.concurrent.Semaphore;

/** The physical best case: an in-process fair semaphore, one for the whole "fleet". */
final class LocalFairSemaphore implements Contender {
    private final Semaphore semaphore;

    LocalFairSemaphore(int limit) {
        semaphore = new Semaphore(limit, true);
    }

    @Override
    public String name() {
        return "jdk-fair-semaphore";
    }

    @Override
    public Client client(int index, int count) {
        return new Client() {
            @Override
            public Object acquire(String owner) throws InterruptedException {
                semaphore.acquire();
                return Boolean.TRUE;
            }

            @Override
            public void release(Object token) {
                semaphore.release();
            }
        };
    }

    @Override
    public String settings() {
        return "java.util.concurrent.Semaphore(L, fair=true), in process, shared by every client";
    }
}
