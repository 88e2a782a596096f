package io.sluice.orgs;

import java.util.PrimitiveIterator;

/**
 * Where the organization ids of a run come from: streamed one at a time, so that a source backed
 * by a table of millions of rows never holds them all. Ids are positive; a source may yield them
 * in any order and with duplicates ({@link OrgList#read} sorts and deduplicates).
 */
public interface OrgSource extends AutoCloseable {

    /** The ids, each read lazily. Called once per source. */
    PrimitiveIterator.OfLong ids();

    /** Names the source in logs and errors, e.g. {@code orgs-file /etc/orgs.txt}; never holds secrets. */
    String describe();

    @Override
    void close();
}
