package io.sluice.cli;

import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.pacing.PaceDecision;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What {@code sluice orchestrator status} knows about one run, typed: the state a script acts on,
 * integers for batches and orgs, ISO-8601 instants and durations. {@link #json()} is the
 * {@code --json} object; {@link #print} the human view of the same fields.
 */
record RunView(String runId, State state, RunStatus ledgerStatus, RunLease.Holder holder, long batchesPublished, long batchesTotal,
               long orgsPublished, Long orgsTotal, Long backlogOrgs, String group, long maxBacklog, Instant windowStart,
               Instant windowEnd, Duration pacing, Instant startedAt, Instant updatedAt, Instant finishBy, Duration eta,
               Instant etaAt) {

    /** The run's state for people and scripts; {@link #INTERRUPTED_RESUMABLE} is what exit 3 leaves behind. */
    enum State {
        /** A live orchestrator holds the run and publishes on time. */
        RUNNING,
        /** Stopped or interrupted before the last batch (exit 3, or a crash): rerun with the same --run-id to resume. */
        INTERRUPTED_RESUMABLE,
        /** Ended by bad input found mid-run; fix the cause first. */
        FAILED,
        /** Every batch published. */
        FINISHED,
        /** Not finished, and at the pacing in force its last batch would come after finishBy. */
        LATE
    }

    static RunView of(RunRecord r, RunLease.Holder holder, int batchSize, OptionalLong backlog, String group, long maxBacklog,
                      Instant now) {
        long published = r.lastAckedSeq() + 1;
        long orgsPublished = r.orgs() < 0 ? published * batchSize : Math.min(r.orgs(), published * batchSize);
        Duration eta = null;
        Instant etaAt = null;
        if (r.pacing() != null && r.status() != RunStatus.FINISHED) {
            eta = r.pacing().multipliedBy(r.remainingBatches());
            etaAt = now.plus(eta);
        }
        State state = switch (r.status()) {
            case FINISHED -> State.FINISHED;
            case FAILED -> State.FAILED;
            default -> {
                boolean live = r.status() == RunStatus.RUNNING && holder != null;
                if (etaAt != null && r.finishBy() != null && etaAt.isAfter(r.finishBy())) yield State.LATE;
                yield live ? State.RUNNING : State.INTERRUPTED_RESUMABLE;
            }
        };
        return new RunView(r.runId(), state, r.status(), holder, published, r.total(), orgsPublished,
                r.orgs() < 0 ? null : r.orgs(), backlog != null && backlog.isPresent() ? backlog.getAsLong() : null, group,
                maxBacklog, r.window().start(), r.window().end(), r.pacing(), r.startedAt(), r.updatedAt(), r.finishBy(), eta, etaAt);
    }

    /** Resumable: no live holder and not finished or failed (LATE runs may be resumable too). */
    boolean resumable() {
        return state == State.INTERRUPTED_RESUMABLE || (state == State.LATE && holder == null);
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", runId);
        m.put("state", state.name());
        m.put("resumable", resumable());
        m.put("ledgerStatus", ledgerStatus.name());
        if (holder == null) {
            m.put("holder", null);
        } else {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("name", holder.name());
            h.put("token", holder.token());
            h.put("leaseRemaining", holder.remaining().toString());
            m.put("holder", h);
        }
        m.put("batchesPublished", batchesPublished);
        m.put("batchesTotal", batchesTotal);
        m.put("orgsPublished", orgsPublished);
        m.put("orgsTotal", orgsTotal);
        m.put("backlogOrgs", backlogOrgs);
        m.put("group", group);
        m.put("maxBacklog", maxBacklog);
        m.put("windowStart", iso(windowStart));
        m.put("windowEnd", iso(windowEnd));
        m.put("pacing", iso(pacing));
        m.put("startedAt", iso(startedAt));
        m.put("updatedAt", iso(updatedAt));
        m.put("finishBy", iso(finishBy));
        m.put("eta", iso(eta));
        m.put("etaAt", iso(etaAt));
        return m;
    }

    void print(PrintWriter out) {
        row(out, "run", runId);
        row(out, "state", switch (state) {
            case RUNNING -> "RUNNING (held by a live orchestrator)";
            case INTERRUPTED_RESUMABLE -> "INTERRUPTED_RESUMABLE (" + (ledgerStatus == RunStatus.RUNNING
                    ? "no live holder: crashed, or its Job is being retried" : ledgerStatus.name().toLowerCase()
                    + " before the last batch, exit 3") + ")";
            case FAILED -> "FAILED (bad input found mid-run: fix it, then rerun with the same --run-id)";
            case FINISHED -> "FINISHED";
            case LATE -> "LATE (at the pacing in force the last batch comes after finishBy)";
        });
        if (resumable()) {
            row(out, "resume", "sluice orchestrator run --run-id " + runId + " with the same org source flags (it resumes after batch "
                    + batchesPublished + " of " + batchesTotal + "); in Kubernetes the Job's retry does this by itself");
        }
        row(out, "holder", holder == null ? null : holder.name() + " (token " + holder.token() + ", lease "
                + PaceDecision.fmt(holder.remaining()) + " left)");
        row(out, "batches", batchesPublished + " of " + batchesTotal + " published");
        row(out, "orgs", orgsPublished + " of " + (orgsTotal == null ? "?" : orgsTotal) + " published");
        row(out, "backlog", backlogOrgs == null ? null : backlogOrgs + " orgs unfinished (group " + group + "; max-backlog "
                + (maxBacklog > 0 ? maxBacklog : "off") + ")");
        row(out, "finished", backlogOrgs == null ? null : Math.max(0, orgsPublished - backlogOrgs) + " orgs (approx.)");
        row(out, "window", windowStart + " .. " + windowEnd);
        row(out, "pacing", pacing == null ? null : PaceDecision.fmt(pacing));
        row(out, "started", iso(startedAt));
        row(out, "updated", iso(updatedAt));
        row(out, "finish by", iso(finishBy));
        row(out, "eta", eta == null ? null : PaceDecision.fmt(eta) + " at the pacing in force (" + etaAt + ")");
    }

    private static void row(PrintWriter out, String name, Object value) {
        out.printf("%-10s %s%n", name, value == null ? "-" : value);
    }

    private static String iso(Object instantOrDuration) {
        return instantOrDuration == null ? null : instantOrDuration.toString();
    }
}
