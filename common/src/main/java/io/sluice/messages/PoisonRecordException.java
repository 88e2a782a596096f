package io.sluice.messages;

/** A record that can never be processed as it is: it goes to the dead-letter topic with this message as the error. */
public final class PoisonRecordException extends Exception {
    public PoisonRecordException(String message) {
        super(message);
    }

    public PoisonRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
