package io.sluice.worker;

import java.time.Duration;

/** How the processing of one org ended, as far as the poll loop cares. */
sealed interface OrgOutcome {
    /** Its result (or dead letter) was acknowledged by the broker: the org is finished. */
    record Finished(String outcome) implements OrgOutcome {
    }

    /** Try again after {@code delay}; {@code countsAsAttempt} is false for 429s and lost leases. */
    record Retry(Duration delay, boolean countsAsAttempt, String why) implements OrgOutcome {
    }
}
