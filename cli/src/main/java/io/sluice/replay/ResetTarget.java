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

    String describe();
}
