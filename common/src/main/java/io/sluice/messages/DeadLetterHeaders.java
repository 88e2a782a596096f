package io.sluice.messages;

/** Header names and reasons on the dead-letter topic (DESIGN section 4). */
public final class DeadLetterHeaders {
    public static final String REASON = "sluice.dlt.reason";
    public static final String ORIGINAL_TOPIC = "sluice.dlt.original-topic";
    public static final String ORIGINAL_PARTITION = "sluice.dlt.original-partition";
    public static final String ORIGINAL_OFFSET = "sluice.dlt.original-offset";
    public static final String ERROR = "sluice.dlt.error";

    /** Why a record was dead-lettered. */
    public enum Reason {
        POISON("poison"), EXHAUSTED("exhausted"), REJECTED("rejected"),
        /** The batch names a slot class its pool does not declare: it would otherwise run in the pool's first class. */
        UNKNOWN_CLASS("unknown-class"),
        /** The batch names a job this worker does not have (or a message version newer than the job reads). */
        UNKNOWN_JOB("unknown-job");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Reason fromWire(String s) {
            for (Reason r : values()) {
                if (r.wire.equals(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown dead-letter reason '" + s + "'; valid: "
                    + java.util.Arrays.stream(values()).map(Reason::wire).collect(java.util.stream.Collectors.joining(", ")));
        }
    }

    private DeadLetterHeaders() {
    }
}
