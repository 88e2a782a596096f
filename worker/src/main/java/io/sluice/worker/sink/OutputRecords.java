package io.sluice.worker.sink;

import io.sluice.messages.DeadLetterHeaders;
import io.sluice.messages.DeadLetterHeaders.Reason;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * The dead letters a worker writes, with the headers that let
 * {@code sluice replay --from-dead-letter} can send them back.
 */
public final class OutputRecords {
    /** Errors are cut to this length so a dead letter never outgrows the topic's max message size. */
    private static final int MAX_ERROR_CHARS = 2_000;

    private OutputRecords() {
    }

    public static ProducerRecord<byte[], byte[]> deadLetter(String topic, byte[] key, byte[] value, Reason reason,
                                                             String originalTopic, int originalPartition,
                                                             long originalOffset, String error) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason.wire()));
        headers.add(DeadLetterHeaders.ORIGINAL_TOPIC, utf8(originalTopic));
        headers.add(DeadLetterHeaders.ORIGINAL_PARTITION, utf8(Integer.toString(originalPartition)));
        headers.add(DeadLetterHeaders.ORIGINAL_OFFSET, utf8(Long.toString(originalOffset)));
        String e = error == null ? "" : error;
        headers.add(DeadLetterHeaders.ERROR, utf8(e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) + "..." : e));
        return new ProducerRecord<>(topic, null, key, value, headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
