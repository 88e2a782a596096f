package io.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/** Opens and closes a contender's clients; client 0 first (it may set the pool up), the rest a few at a time. */
final class Fleet {
    private static final int AT_ONCE = 8;

    private Fleet() {}

    static List<Contender.Client> open(Contender contender, int count) throws Exception {
        List<Contender.Client> clients = new ArrayList<>();
        clients.add(contender.client(0, count));
        List<Future<Contender.Client>> rest = new ArrayList<>();
        Semaphore atOnce = new Semaphore(AT_ONCE);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 1; i < count; i++) {
                int index = i;
                rest.add(pool.submit(() -> {
                    atOnce.acquire();
                    try {
                        return contender.client(index, count);
                    } finally {
                        atOnce.release();
                    }
                }));
            }
        }
        Exception failed = null;
        for (Future<Contender.Client> f : rest) {
            try {
                clients.add(f.get());
            } catch (Exception e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            close(clients);
            throw new IllegalStateException("could not open " + count + " " + contender.name() + " clients", failed);
        }
        return clients;
    }

    static void close(List<Contender.Client> clients) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Contender.Client c : clients) {
                pool.submit(() -> {
                    c.close();
                    return null;
                });
            }
        }
    }
}
