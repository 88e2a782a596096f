package io.sluice.orchestrator;

/** The broker did not answer or acknowledge in time; held through for up to lease-ttl, then the run ends resumably (exit 3). */
public final class KafkaUnavailableException extends RuntimeException {
    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
