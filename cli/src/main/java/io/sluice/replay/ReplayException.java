package io.sluice.replay;

/** A replay that cannot go ahead in the cluster's present state (active members, missing topic, broker down): exit 1. */
public final class ReplayException extends RuntimeException {
    public ReplayException(String message) {
        super(message);
    }

    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
