package io.sluice.messages;

import java.time.Instant;
import java.util.List;

/**
 * One batch of organizations to process; the value of a record on the batches topic,
 * keyed {@code runId:seq} (DESIGN section 4). {@code slotClass}: the class of the slot pool its queries
 * take their slots in ({@code orchestrator run --class}, JSON field {@code class}); null, and absent from
 * the JSON, for the worker's own {@code slots.class}. Readers that know no classes ignore the field.
 */
public record Batch(int v, String job, String runId, long seq, List<Long> orgIds, Window window, Instant publishedAt,
                    String slotClass) {
    public static final int VERSION = 1;
    /** The job a batch without {@code --job} runs, as every batch did before jobs were plug-ins. */
    public static final String JOB_SPIKE_PROJECTION = "spike-projection";
    /** What a job's name is: lower-case letters, digits and '-' (batches, --job, jobs.<job>.* settings, the job SPI). */
    public static final java.util.regex.Pattern JOB_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]*");
    /** More org ids than this in one record is a poison record. */
    public static final int MAX_ORG_IDS = 1_000;

    public Batch {
        orgIds = List.copyOf(orgIds);
    }

    /** A batch in the worker's own class. */
    public Batch(int v, String job, String runId, long seq, List<Long> orgIds, Window window, Instant publishedAt) {
        this(v, job, runId, seq, orgIds, window, publishedAt, null);
    }

    public String key() {
        return runId + ":" + seq;
    }

    /** A batch holding just one org of this one, as dead-lettered when that org exhausted its retries. */
    public Batch forSingleOrg(long orgId) {
        return new Batch(v, job, runId, seq, List.of(orgId), window, publishedAt, slotClass);
    }
}
