package io.sluice.bench;

/** One way of capping concurrency, as the workload drives it. */
interface Contender extends AutoCloseable {
    String name();

    /** Blocks until a slot is held; returns a token for {@link #release}, or null when it gave up (skipped). */
    Object acquire(int thread) throws Exception;

    void release(Object token) throws Exception;

    /** Settings worth printing next to the figures. */
    default String settings() {
        return "";
    }

    @Override
    default void close() throws Exception {}
}
