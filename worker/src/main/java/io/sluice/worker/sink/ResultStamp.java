package io.sluice.worker.sink;

import java.time.Instant;

/** What the watermarks need of one result: its job (whose results topic it goes to), org, and window end. */
public record ResultStamp(String job, long orgId, Instant windowEnd) {
}
