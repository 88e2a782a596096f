package io.sluice.worker;

import java.time.Duration;

/** How the processing of one org ended, as far as the poll loop cares. */
sealed interface OrgOutcome {
    /** Nothing to write (e.g. superseded): the org is finished. */
    record Finished(String outcome) implements OrgOutcome {
    }

    /**
     * The org is finished once {@code output} is written, which happens when its batch joins the
     * partition's finished prefix: with the consumed offsets, in one transaction.
     */
    record Write(Output output) implements OrgOutcome {
    }

    /** Try again after {@code delay}; {@code countsAsAttempt} is false for 429s and lost leases. */
    record Retry(Duration delay, boolean countsAsAttempt, String why) implements OrgOutcome {
    }
}
