package io.sluice.job;

import java.util.Objects;

/**
 * One downstream query: a Snuba SnQL request body, sent as {@code POST {snuba.url}/{dataset}/snql} with the
 * {@code snuba.referrer} header. The referrer is the engine's, not the job's: Snuba applies its concurrency limit
 * per referrer, and that limit is the budget the slot pool guards for every job.
 */
public record Query(String dataset, byte[] body) {
    public Query {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(body, "body");
    }
}
