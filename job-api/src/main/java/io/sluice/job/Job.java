package io.sluice.job;

import io.sluice.messages.Window;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A per-org query job: what it asks the downstream for one org and one window, and what it makes of the
 * answers. Everything else is the engine's and the same for every job: planning and pacing the batches,
 * slots and classes, pausing when the pool refuses, retries, dead letters, exactly-once output, results that
 * never regress, metrics.
 *
 * <p>Jobs are found with {@link java.util.ServiceLoader}: a jar on the class path that lists its class in
 * {@code META-INF/services/io.sluice.job.Job} adds a job, as Kafka Connect finds connectors. The class needs a
 * public no-argument constructor; the engine calls {@link #configure} once, then the other methods from any
 * thread, so a configured job must be safe to share (keep it immutable).
 *
 * <p>In Spring Batch terms, {@link #queries} is the reader, {@link #result} the processor, and the engine the
 * writer (the compacted results topic, keyed by org). Unlike a Spring Batch step, a job never sees a chunk, a
 * transaction or a retry: the unit is one org, and a query the pool refused waits, paused, as a Kafka Connect
 * task's partition does; it is never skipped.
 */
public interface Job {

    /** The name batches carry in their {@code job} field, {@code --job} takes and metrics are tagged with: {@code [a-z0-9-]+}. */
    String name();

    /** The newest batch message version this job reads; a batch with a higher {@code v} is dead-lettered. */
    int version();

    /**
     * Reads this job's settings; called once, before anything connects. Throw {@link IllegalArgumentException}
     * naming the key, its value and what is valid: the command exits 2.
     */
    default void configure(JobSettings settings) {
    }

    /**
     * The window a run started at {@code now} covers, fixed once per run. Results never regress by it: an org's
     * result for a window ending later is never overwritten by one ending earlier, and one window's result is
     * written once.
     */
    Window window(Instant now);

    /**
     * The downstream queries for one org and window, run one after another under the org's one slot (a slot
     * stands for one query at the downstream). Zero queries: the org takes no slot and its result is made from
     * no answers.
     */
    List<Query> queries(Work work);

    /**
     * The org's result from the 2xx answers to its queries, in order: the value written to the results topic.
     * An answer it cannot read throws {@link BadAnswerException}: the org is tried again, and dead-lettered
     * after {@code worker.retry.max-attempts}.
     */
    byte[] result(Work work, List<byte[]> answers, Instant computedAt) throws BadAnswerException;

    /** The topic its results go to (compacted, one value per org). */
    String resultsTopic(JobSettings settings);

    /** A result's key: by default the org id in decimal, so the compacted topic holds the newest result per org. */
    default byte[] resultKey(long orgId) {
        return Long.toString(orgId).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The org and window of one of its results, read back from the results topic (to rebuild lost watermarks).
     * Throws {@link BadAnswerException} for a record that is not one of its results.
     */
    Stamp stamp(byte[] key, byte[] value) throws BadAnswerException;

    /**
     * The class of the slot pool its queries take their slots in, unless a batch names one; null for the
     * worker's own {@code slots.class}.
     */
    default String slotClass(JobSettings settings) {
        return null;
    }

    /**
     * For {@code sluice local} and tests: why {@code result} is not what the simulator's own data give for this
     * org and window, or null when it is exact.
     */
    String mismatch(Work work, byte[] result, GroundTruth truth);

    /** One org of one run, for one window. */
    record Work(String runId, long orgId, Window window) {
    }

    /** A result's org and the end of its window, as the engine's watermarks keep them. */
    record Stamp(long orgId, Instant windowEnd) {
    }
}
