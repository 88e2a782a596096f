package io.sluice.slots;

/** The pool could not answer: Redis errored, timed out or is unreachable. */
public class SlotPoolException extends RuntimeException {
    public SlotPoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
