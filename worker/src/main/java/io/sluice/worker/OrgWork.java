package io.sluice.worker;

import io.sluice.worker.gate.SlotGate.Permit;

import java.util.concurrent.CompletableFuture;

/** What the poll loop asks of the org pipeline ({@link OrgProcessor}); a seam for the loop's unit tests. */
interface OrgWork {

    /** Before an org asks for a slot: null when it should run, else how it ended (e.g. superseded) or a retry. */
    CompletableFuture<OrgOutcome> admit(OrgTask task);

    /** The slot class the org's queries take their slots in; null for the worker's own. */
    default String slotClass(OrgTask task) {
        return task.batch().slotClass();
    }

    /** Runs the org under a held slot; the permit is released when the query ends, whatever the outcome. */
    CompletableFuture<OrgOutcome> process(OrgTask task, Permit permit);

    /**
     * Aborts every running query (end of the shutdown grace period) without giving their slots back:
     * the downstream may still run them, so those leases lapse with their TTL. Returns how many.
     */
    int abandonAll();
}
