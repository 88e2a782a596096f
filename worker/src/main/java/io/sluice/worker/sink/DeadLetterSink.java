package io.sluice.worker.sink;

import io.sluice.messages.DeadLetterHeaders;
import io.sluice.messages.DeadLetterHeaders.Reason;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Sends what cannot be processed to the dead-letter topic with the headers of DESIGN section 4, so
 * that {@code sluice replay --from-dead-letter} can send it back.
 */
public final class DeadLetterSink {
    /** Errors are cut to this length so a dead letter never outgrows the topic's max message size. */
    private static final int MAX_ERROR_CHARS = 2_000;
    private final Producer<byte[], byte[]> producer;
    private final String topic;

    public DeadLetterSink(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    public CompletableFuture<Void> send(byte[] key, byte[] value, Reason reason, String originalTopic,
                                        int originalPartition, long originalOffset, String error) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason.wire()));
        headers.add(DeadLetterHeaders.ORIGINAL_TOPIC, utf8(originalTopic));
        headers.add(DeadLetterHeaders.ORIGINAL_PARTITION, utf8(Integer.toString(originalPartition)));
        headers.add(DeadLetterHeaders.ORIGINAL_OFFSET, utf8(Long.toString(originalOffset)));
        String e = error == null ? "" : error;
        headers.add(DeadLetterHeaders.ERROR, utf8(e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) + "..." : e));
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers), (md, ex) -> {
                if (ex != null) acked.completeExceptionally(ex);
                else acked.complete(null);
            });
        } catch (RuntimeException ex) {
            acked.completeExceptionally(ex);
        }
        return acked;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
