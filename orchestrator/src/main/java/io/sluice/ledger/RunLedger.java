package io.sluice.ledger;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of runs, keyed by run id: the record (progress, status, pacing), the frozen plan
 * (the org ids of the first attempt) and the run's ownership lease.
 *
 * <p>One publisher per run: {@link #claim} hands out a {@link RunLease} with a fencing token, and
 * every write takes the lease and checks it atomically with the write; a write by a holder whose
 * lease expired or was taken over fails with {@link LeaseLostException} and changes nothing.
 */
public interface RunLedger extends AutoCloseable {

    Optional<RunRecord> find(String runId);

    /** The org ids the run's first attempt planned, if stored. */
    Optional<long[]> plan(String runId);

    /**
     * Takes the run's ownership lease for {@code ttl}, or throws {@link RunHeldException} naming the
     * live holder. The token grows with every claim of the same run.
     */
    RunLease claim(String runId, String holder, Duration ttl);

    /** Extends the lease by its ttl; false when it was lost (expired and taken, or Redis lost it). */
    boolean renew(RunLease lease);

    /**
     * Takes the run's lease again after it vanished with Redis data (a restart without persistence, a
     * restore): renews it when {@code lease} still holds it; when nobody holds the run, claims it with
     * a token above both the stored counter and {@code lease}'s (the counter may have been lost too),
     * so tokens keep growing across the loss; likewise when the run is held by an older lease of the same
     * holder (a snapshot from before an earlier reclaim); throws {@link RunHeldException} when another holds it.
     * The caller decides whether the lease can only have vanished by data loss (see {@code LeaseKeeper}).
     */
    RunLease reclaim(RunLease lease);

    /** Gives the lease up (only if still ours), so a successor need not wait for it to expire. */
    void release(RunLease lease);

    /** The live holder's name and remaining time, if any. */
    Optional<RunLease.Holder> holder(String runId);

    /** Creates the record and freezes the plan, replacing any earlier ones (a new or forced run). */
    void start(RunLease lease, RunRecord record, long[] planIds);

    /** Writes the whole record (progress, status, pacing) of a run this lease holds. */
    void update(RunLease lease, RunRecord record);

    /** Run ids, newest first (by first start), at most {@code max}. */
    List<String> recentRuns(int max);

    @Override
    void close();
}
