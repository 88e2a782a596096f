package io.sluice.replay;

import java.time.Instant;

/** Where {@code sluice replay --group} moves a group's offsets, one value per partition once resolved against the log. */
public sealed interface ResetTarget {

    /** The first offset still in the log. */
    record Earliest() implements ResetTarget {
        @Override
        public String describe() {
            return "earliest";
        }
    }

    /** The first record whose timestamp is at or after {@code time}; the log end when there is none. */
    record AtTime(Instant time) implements ResetTarget {
        @Override
        public String describe() {
            return "first record at or after " + time;
        }
    }

    /** The same offset on every partition, clamped to what the partition holds. */
    record Offset(long offset) implements ResetTarget {
        public Offset {
            if (offset < 0) {
                throw new IllegalArgumentException("offset must be >= 0, was " + offset);
            }
        }

        @Override
        public String describe() {
            return "offset " + offset;
        }
    }

    /** The log end: nothing is replayed, everything unprocessed is skipped. */
    record Latest() implements ResetTarget {
        @Override
        public String describe() {
            return "latest";
        }
    }

    /** The current position moved by {@code by} records (negative: back, replaying), clamped to the log. */
    record ShiftBy(long by) implements ResetTarget {
        @Override
        public String describe() {
            return "shift by " + by;
        }
    }

    /** One offset per listed partition (a file in kafka-consumer-groups' CSV form); other partitions stay. */
    record PerPartition(java.util.Map<Integer, Long> offsets, String source) implements ResetTarget {
        public PerPartition {
            offsets = java.util.Map.copyOf(offsets);
        }

        @Override
        public String describe() {
            return "offsets from " + source;
        }
    }

    String describe();
}
