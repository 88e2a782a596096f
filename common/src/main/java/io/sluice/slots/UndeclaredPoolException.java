package io.sluice.slots;

/**
 * The pool was never declared ({@code sluice slots create} or {@code apply}) as far as this client can
 * tell: Redis holds no state for it and this client never saw it. Nothing was written to Redis. A bad
 * configuration, not a failure: commands exit 2 with {@link #getMessage()}.
 */
public final class UndeclaredPoolException extends SlotPoolException {
    private final String pool;
    private final String suggestion;

    public UndeclaredPoolException(String pool, String suggestion) {
        super("no pool " + pool + (suggestion == null ? "" : "; did you mean " + suggestion + "?")
                + " (declare it with: sluice slots create " + pool + " --limit N, or sluice slots apply -f pools.yaml)", null);
        this.pool = pool;
        this.suggestion = suggestion;
    }

    public String pool() {
        return pool;
    }

    /** The nearest declared pool's name, or null when none is near. */
    public String suggestion() {
        return suggestion;
    }
}
