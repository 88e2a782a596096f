package io.sluice.orgs;

/** An org source failed at run time (database down, I/O error): exit 1, not a usage error. */
public final class OrgSourceException extends RuntimeException {
    public OrgSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
