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

    /**
     * True for a source that is cheap and local (a range, a file): the run reads it before
     * connecting to anything, so its bad input exits 2 first. A remote source (a database) is read
     * only when a new plan is made, never on a resume.
     */
    default boolean readEagerly() {
        return false;
    }

    @Override
    void close();
}
