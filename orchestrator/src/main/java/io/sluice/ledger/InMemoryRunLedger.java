package io.sluice.ledger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link RunLedger} in maps, for tests and one-process runs; not durable. Leases never expire
 * by time here (one process): {@link #expire} drops one, as a crashed holder's would.
 */
public final class InMemoryRunLedger implements RunLedger {
    private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();
    private final Map<String, long[]> plans = new ConcurrentHashMap<>();
    private final Map<String, RunLease> leases = new ConcurrentHashMap<>();
    private final Map<String, Long> fences = new ConcurrentHashMap<>();

    @Override
    public Optional<RunRecord> find(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    @Override
    public Optional<long[]> plan(String runId) {
        return Optional.ofNullable(plans.get(runId)).map(long[]::clone);
    }

    @Override
    public synchronized RunLease claim(String runId, String holder, Duration ttl) {
        RunLease cur = leases.get(runId);
        if (cur != null) {
            throw new RunHeldException(runId, new RunLease.Holder(cur.holder(), cur.token(), cur.ttl()));
        }
        RunLease lease = new RunLease(runId, fences.merge(runId, 1L, Long::sum), holder, ttl);
        leases.put(runId, lease);
        return lease;
    }

    @Override
    public synchronized RunLease reclaim(RunLease lease) {
        RunLease cur = leases.get(lease.runId());
        if (lease.equals(cur)) {
            return lease;
        }
        if (cur != null && !cur.holder().equals(lease.holder())) {
            throw new RunHeldException(lease.runId(), new RunLease.Holder(cur.holder(), cur.token(), cur.ttl()));
        }
        long floor = Math.max(lease.token(), cur == null ? 0 : cur.token());
        long token = Math.max(fences.getOrDefault(lease.runId(), 0L), floor) + 1;
        fences.put(lease.runId(), token);
        RunLease next = new RunLease(lease.runId(), token, lease.holder(), lease.ttl());
        leases.put(lease.runId(), next);
        return next;
    }

    /** Forgets everything about a run (record, plan, lease, token counter), as Redis restarted empty would. */
    public synchronized void lose(String runId) {
        runs.remove(runId);
        plans.remove(runId);
        leases.remove(runId);
        fences.remove(runId);
    }

    /** Drops a run's lease, as if its holder had crashed and the lease expired. */
    public void expire(String runId) {
        leases.remove(runId);
    }

    @Override
    public boolean renew(RunLease lease) {
        return lease.equals(leases.get(lease.runId()));
    }

    @Override
    public void release(RunLease lease) {
        leases.remove(lease.runId(), lease);
    }

    @Override
    public Optional<RunLease.Holder> holder(String runId) {
        return Optional.ofNullable(leases.get(runId)).map(l -> new RunLease.Holder(l.holder(), l.token(), l.ttl()));
    }

    @Override
    public synchronized void start(RunLease lease, RunRecord record, long[] planIds) {
        check(lease);
        runs.put(record.runId(), record);
        plans.put(record.runId(), planIds.clone());
    }

    @Override
    public synchronized void update(RunLease lease, RunRecord record) {
        check(lease);
        runs.put(record.runId(), record);
    }

    private void check(RunLease lease) {
        if (!renew(lease)) {
            throw new LeaseLostException(lease);
        }
    }

    @Override
    public List<String> recentRuns(int max) {
        List<RunRecord> all = new ArrayList<>(runs.values());
        all.sort(Comparator.comparing(RunRecord::startedAt).reversed());
        return all.stream().limit(max).map(RunRecord::runId).toList();
    }

    @Override
    public void close() {
    }
}
