package io.sluice.worker;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Tracks which fetched offsets of one partition are finished and yields the offset that is safe to
 * commit: the highest contiguous finished offset + 1. Offsets need not be dense (compaction,
 * transaction markers): "contiguous" means in fetch order.
 */
final class OffsetTracker {
    private final TreeMap<Long, Boolean> outstanding = new TreeMap<>();
    private long committable = -1;

    void fetched(long offset) {
        outstanding.put(offset, Boolean.FALSE);
    }

    void finished(long offset) {
        outstanding.computeIfPresent(offset, (k, v) -> Boolean.TRUE);
        for (Map.Entry<Long, Boolean> head = outstanding.firstEntry(); head != null && head.getValue();
             head = outstanding.firstEntry()) {
            committable = head.getKey() + 1;
            outstanding.pollFirstEntry();
        }
    }

    /** The next offset to commit, if anything finished since the start. */
    OptionalLong committable() {
        return committable < 0 ? OptionalLong.empty() : OptionalLong.of(committable);
    }

    int outstanding() {
        return outstanding.size();
    }
}
