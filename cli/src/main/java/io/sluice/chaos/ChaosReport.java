package io.sluice.chaos;

import java.util.List;

/**
 * What a chaos run did and whether the invariants held. {@code violations} is empty exactly when
 * {@code passed}; every figure is measured, none is configured.
 *
 * @param elapsedSeconds        from the orchestrator's first start until every org had a result
 * @param peakInFlight          the simulator's exact peak of concurrent queries (its own gate's count)
 * @param lostOrgs              orgs of the run without any result
 * @param wrongResults          orgs whose latest result differs from the independently computed projection
 * @param deadLetters           records on the dead-letter topic
 * @param unexpectedDeadLetters dead-letter keys that are not poison records this run produced
 * @param uncommittedPartitions batch partitions whose committed offset is not their end offset ("p: committed/end")
 * @param poolInUseAtEnd        live leases once the workers stopped and expired leases were reaped
 * @param duplicateResults      result records for an org, run and window beyond the number of batch records that
 *                              carry the org, read with {@code read_committed}: a batch's output written twice
 *                              (a violation while {@code worker.exactly-once})
 * @param duplicateDeadLetters  dead-letter records beyond the first for the same key, read likewise
 * @param republishedOrgs       orgs carried by more than one batch record of the run: the orchestrator published
 *                              those batches again after a Redis data loss took its progress back (input, not output)
 * @param regressedOrgs         orgs with an older window's result after a newer one's (results never regress)
 */
public record ChaosReport(long seed, String runId, int orgs, int workers, int poolLimit, int downstreamLimit,
                          double faultWindowSeconds, double elapsedSeconds, double totalSeconds,
                          List<FaultInjector.Injected> faults,
                          int orgsWithResults, int lostOrgs, List<Long> lostSample, int wrongResults, List<Long> wrongSample,
                          List<String> poisonProduced, int deadLetters, List<String> unexpectedDeadLetters,
                          List<String> missingDeadLetters,
                          int peakInFlight, long requests, long rateLimited, long serverErrors,
                          List<String> uncommittedPartitions, int poolInUseAtEnd,
                          int workerProcessesStarted, int orchestratorStarts, List<String> unexpectedExits,
                          List<String> violations, String logDir, int duplicateResults, int duplicateDeadLetters,
                          int republishedOrgs, int regressedOrgs) {

    public ChaosReport {
        faults = List.copyOf(faults);
        lostSample = List.copyOf(lostSample);
        wrongSample = List.copyOf(wrongSample);
        poisonProduced = List.copyOf(poisonProduced);
        unexpectedDeadLetters = List.copyOf(unexpectedDeadLetters);
        missingDeadLetters = List.copyOf(missingDeadLetters);
        uncommittedPartitions = List.copyOf(uncommittedPartitions);
        unexpectedExits = List.copyOf(unexpectedExits);
        violations = List.copyOf(violations);
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    public String render() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%nsluice chaos: seed %d, run %s%n", seed, runId));
        b.append(String.format("faults injected     %d over a %.0f s window:%n", faults.size(), faultWindowSeconds));
        for (FaultInjector.Injected f : faults) {
            b.append(String.format("  %7.1f s  %-22s %s%n", f.atMillis() / 1000.0, f.kind(), f.detail()));
        }
        b.append(String.format("orgs                %d with a result of %d (lost %d, wrong %d, regressed %d)%n",
                orgsWithResults, orgs, lostOrgs, wrongResults, regressedOrgs));
        b.append(String.format("elapsed             %.1f s to the last result, %.1f s in all%n", elapsedSeconds, totalSeconds));
        b.append(String.format("peak in flight      %d (pool limit %d, downstream limit %d)%n", peakInFlight, poolLimit,
                downstreamLimit));
        b.append(String.format("downstream          %d requests, %d answered 429, %d answered 5xx%n", requests, rateLimited,
                serverErrors));
        b.append(String.format("dead letters        %d (poison produced %d, unexpected %d, missing %d)%n", deadLetters,
                poisonProduced.size(), unexpectedDeadLetters.size(), missingDeadLetters.size()));
        b.append(String.format("duplicates          %d results, %d dead letters (read_committed reader; %d orgs were in "
                + "batches the orchestrator published twice, each of those records' output counts once)%n",
                duplicateResults, duplicateDeadLetters, republishedOrgs));
        b.append(String.format("committed offsets   %s%n", uncommittedPartitions.isEmpty() ? "every partition at its end"
                : "behind: " + uncommittedPartitions));
        b.append(String.format("pool in use at end  %d%n", poolInUseAtEnd));
        b.append(String.format("processes           %d worker JVMs started (%d at a time), orchestrator started %d times%n",
                workerProcessesStarted, workers, orchestratorStarts));
        b.append(String.format("logs                %s%n", logDir));
        if (passed()) {
            b.append("PASSED: every invariant held\n");
        } else {
            b.append("FAILED:\n");
            violations.forEach(v -> b.append("  - ").append(v).append('\n'));
        }
        return b.toString();
    }
}
