package io.sluice.replay;

import org.apache.kafka.common.KafkaFuture;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for an Admin future with a deadline and turns its failure into a one-line {@link ReplayException}. */
final class KafkaCalls {
    private final String bootstrap;
    private final Duration timeout;

    KafkaCalls(String bootstrap, Duration timeout) {
        this.bootstrap = bootstrap;
        this.timeout = timeout;
    }

    <T> T await(String what, KafkaFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                // The admin client's own deadline ("Timed out waiting for a node assignment"): say which broker and setting.
                throw new ReplayException("Kafka at " + bootstrap + " did not answer " + what + " in time (kafka.bootstrap-servers;"
                        + " the wait is kafka.common.default.api.timeout.ms): " + rootMessage(e.getCause()), e.getCause());
            }
            throw new ReplayException(what + " failed: " + rootMessage(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new ReplayException("Kafka at " + bootstrap + " did not answer " + what + " within " + timeout
                    + " (kafka.bootstrap-servers; is the broker up?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplayException(what + " interrupted", e);
        }
    }

    Duration timeout() {
        return timeout;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
