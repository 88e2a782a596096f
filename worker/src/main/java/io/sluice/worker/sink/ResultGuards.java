package io.sluice.worker.sink;

import io.sluice.messages.Batch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * One {@link ResultGuard} per job: each job's results topic has watermarks of its own (keyed by that topic), so
 * one job's results never supersede another's. A flush that writes results of several jobs claims each job's
 * orgs from its own guard; the claims succeed, fail and end together.
 */
public final class ResultGuards implements AutoCloseable {
    private final Map<String, ResultGuard> byJob;

    public ResultGuards(Map<String, ResultGuard> byJob) {
        this.byJob = Map.copyOf(byJob);
    }

    /** One job's guard; an {@link IllegalArgumentException} for a job this worker does not have. */
    public ResultGuard of(String job) {
        ResultGuard g = byJob.get(job);
        if (g == null) {
            throw new IllegalArgumentException("no results guard for job '" + job + "'");
        }
        return g;
    }

    /** As {@link ResultGuard#supersededBy}, in the guard of the batch's job. */
    public CompletableFuture<OptionalLong> supersededBy(String batchId, Batch batch, long org) {
        return of(batch.job()).supersededBy(batchId, batch, org);
    }

    /**
     * A flush's claims, one per job, with their answers put back in the order of {@code results}: answer
     * {@code i} is result {@code i}'s.
     */
    public record Claim(List<ResultStamp> results, List<Watermarks.Claim> answers, Map<ResultGuard, ResultGuard.Claim> parts) {
        public boolean busy() {
            return parts.values().stream().anyMatch(ResultGuard.Claim::busy);
        }

        /** Whether result {@code i} is not written: an older window than its org's latest, or already committed. */
        public boolean stale(int i) {
            return answers.get(i) instanceof Watermarks.Stale || answers.get(i) instanceof Watermarks.Done;
        }
    }

    /**
     * Claims each job's orgs in its own guard (one round trip each, sent together); fails when one fails. A busy
     * claim (another publisher holds an org) holds nothing, as one guard's does.
     */
    public CompletableFuture<Claim> claim(List<ResultStamp> results) {
        Map<String, List<Integer>> indexes = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            indexes.computeIfAbsent(results.get(i).job(), j -> new ArrayList<>()).add(i);
        }
        Map<ResultGuard, CompletableFuture<ResultGuard.Claim>> asked = new LinkedHashMap<>();
        indexes.forEach((job, idx) -> asked.put(of(job), of(job).claim(idx.stream().map(results::get).toList())));
        return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new)).thenApply(x -> {
            Watermarks.Claim[] answers = new Watermarks.Claim[results.size()];
            Map<ResultGuard, ResultGuard.Claim> parts = new LinkedHashMap<>();
            asked.forEach((guard, f) -> parts.put(guard, f.join()));
            indexes.forEach((job, idx) -> {
                ResultGuard.Claim part = parts.get(of(job));
                for (int k = 0; k < idx.size(); k++) {
                    answers[idx.get(k)] = part.answers().get(k);
                }
            });
            Claim claim = new Claim(results, java.util.Arrays.asList(answers), parts);
            if (claim.busy()) {   // as one guard's busy claim, a busy flush takes nothing: the parts that were taken go back
                parts.forEach((guard, part) -> {
                    if (!part.busy()) guard.release(part);
                });
            }
            return claim;
        }).whenComplete((c, e) -> {
            if (e != null) {   // the claims that did succeed are given back
                asked.forEach((guard, f) -> f.thenAccept(guard::release));
            }
        });
    }

    public boolean fresh(Claim claim) {
        return claim.parts().entrySet().stream().allMatch(e -> e.getKey().fresh(e.getValue()));
    }

    public CompletableFuture<Void> settle(Claim claim) {
        return each(claim, ResultGuard::settle);
    }

    public CompletableFuture<Void> release(Claim claim) {
        return each(claim, ResultGuard::release);
    }

    public CompletableFuture<Void> abandon(Claim claim) {
        return each(claim, ResultGuard::abandon);
    }

    private static CompletableFuture<Void> each(Claim claim,
                                                java.util.function.BiFunction<ResultGuard, ResultGuard.Claim, CompletableFuture<Void>> end) {
        return CompletableFuture.allOf(claim.parts().entrySet().stream()
                .map(e -> end.apply(e.getKey(), e.getValue())).toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        byJob.values().forEach(ResultGuard::close);
    }
}
