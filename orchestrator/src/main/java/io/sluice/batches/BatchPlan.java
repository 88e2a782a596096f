package io.sluice.batches;

import io.sluice.messages.Batch;
import io.sluice.messages.Window;
import io.sluice.orgs.OrgList;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A run cut into batches: sorted org ids in chunks of {@code batchSize}, in id order, all over one
 * window. Batch {@code seq} (0-based) holds ids {@code [seq × batchSize, (seq + 1) × batchSize)};
 * the last batch may be smaller. Batches are cut on demand, so the plan costs only the id array.
 */
public record BatchPlan(String runId, String job, OrgList orgs, int batchSize, Window window) {

    /** A plan of spike-projection batches. */
    public BatchPlan(String runId, OrgList orgs, int batchSize, Window window) {
        this(runId, Batch.JOB_SPIKE_PROJECTION, orgs, batchSize, window);
    }

    public BatchPlan {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize " + batchSize + " must be at least 1");
        }
    }

    public long batchCount() {
        return (orgs.size() + (long) batchSize - 1) / batchSize;
    }

    public long[] orgIds(long seq) {
        if (seq < 0 || seq >= batchCount()) {
            throw new IndexOutOfBoundsException("seq " + seq + " is outside 0.." + (batchCount() - 1));
        }
        int from = Math.toIntExact(seq * batchSize);
        return Arrays.copyOfRange(orgs.ids(), from, Math.min(orgs.size(), from + batchSize));
    }

    /** How many orgs batches {@code 0..seq} hold together. */
    public long orgsThrough(long seq) {
        return seq < 0 ? 0 : Math.min(orgs.size(), (seq + 1) * batchSize);
    }

    public Batch batch(long seq, Instant publishedAt) {
        return batch(seq, publishedAt, null);
    }

    /** Batch {@code seq}, naming the slot class its queries take slots in (null: the workers' own). */
    public Batch batch(long seq, Instant publishedAt, String slotClass) {
        List<Long> ids = Arrays.stream(orgIds(seq)).boxed().toList();
        return new Batch(Batch.VERSION, job, runId, seq, ids, window, publishedAt, slotClass);
    }

    /**
     * SHA-256 (hex) over the sorted org ids, the batch size, the window and the job (spike projection's plans
     * leave the job out, so they keep the fingerprints they had before jobs were plug-ins): two plans with equal
     * fingerprints cut the same batches, so resuming one with the other's progress is safe.
     */
    public String fingerprint() {
        return fingerprint(orgs, batchSize, window, Batch.JOB_SPIKE_PROJECTION.equals(job) ? "" : "|job=" + job);
    }

    public static String fingerprint(OrgList orgs, int batchSize, Window window) {
        return fingerprint(orgs, batchSize, window, "");
    }

    private static String fingerprint(OrgList orgs, int batchSize, Window window, String job) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocate(8 * 1024);
        for (long id : orgs.ids()) {
            if (!buf.hasRemaining()) {
                sha.update(buf.flip());
                buf.clear();
            }
            buf.putLong(id);
        }
        sha.update(buf.flip());
        sha.update(("|batch-size=" + batchSize + "|window=" + window.start() + "/" + window.end() + job)
                .getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest());
    }
}
