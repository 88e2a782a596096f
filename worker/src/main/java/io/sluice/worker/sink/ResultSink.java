package io.sluice.worker.sink;

import io.sluice.messages.MessageCodec;
import io.sluice.messages.ProjectionResult;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** Publishes projections to the compacted results topic, keyed by org id (an upsert per org). */
public final class ResultSink {
    private final Producer<byte[], byte[]> producer;
    private final String topic;

    public ResultSink(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** Completes when the broker acknowledged the result. */
    public CompletableFuture<Void> publish(ProjectionResult result) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, result.key().getBytes(StandardCharsets.UTF_8), MessageCodec.encode(result)),
                    (md, e) -> {
                        if (e != null) acked.completeExceptionally(e);
                        else acked.complete(null);
                    });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }
}
