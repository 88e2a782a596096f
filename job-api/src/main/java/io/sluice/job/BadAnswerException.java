package io.sluice.job;

/** A downstream answer (or a result read back) that a job cannot read; the message says what is wrong with it. */
public class BadAnswerException extends Exception {
    public BadAnswerException(String message) {
        super(message);
    }
}
