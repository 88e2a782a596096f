package io.sluice.jobs.spike;

import io.sluice.messages.Window;
import java.time.Instant;
import java.util.List;

/** One org's projection; the value of a record on the (compacted) results topic, keyed by the org id. */
public record ProjectionResult(int v, String runId, long orgId, Window window, List<ProjectProjection> projects,
                               Instant computedAt) {
    public ProjectionResult {
        projects = List.copyOf(projects);
    }

    public String key() {
        return Long.toString(orgId);
    }
}
