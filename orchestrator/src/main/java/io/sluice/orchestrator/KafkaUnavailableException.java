package io.sluice.orchestrator;

/** The broker did not answer or acknowledge in time; the run fails (exit 1) with its progress kept. */
public final class KafkaUnavailableException extends RuntimeException {
    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
