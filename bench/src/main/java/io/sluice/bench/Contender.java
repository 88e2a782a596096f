package io.sluice.bench;

/**
 * One way of capping concurrency, as a fleet of clients: each {@link Client} stands for a pod
 * (its own connections); the workload's threads are dealt out over the clients.
 */
interface Contender extends AutoCloseable {
    String name();

    /** Client {@code index} of {@code count}; the workload closes it. */
    Client client(int index, int count) throws Exception;

    /** Settings worth printing next to the figures. */
    default String settings() {
        return "";
    }

    /** The contender's own counts so far, summed over its clients, by meter name and tags; null when it keeps none. */
    default java.util.Map<String, Long> meters() {
        return null;
    }

    @Override
    default void close() throws Exception {}

    /** One pool client. Both calls return once the contender has done the work (releases are awaited, for every contender). */
    interface Client extends AutoCloseable {
        /** Blocks until a slot is held; returns a token for {@link #release}, or null when it gave up (skipped). */
        Object acquire(String owner) throws Exception;

        void release(Object token) throws Exception;

        @Override
        default void close() throws Exception {}
    }
}
