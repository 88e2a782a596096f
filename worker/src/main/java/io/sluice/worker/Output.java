package io.sluice.worker;

import io.sluice.worker.sink.ResultStamp;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One record waiting to be written with its batch's offset: a result ({@code result} set: the guard
 * claims its org first) or a dead letter. {@code outcome} is the {@code sluice.worker.orgs} tag it
 * counts under once written ({@code projected}, {@code dead_lettered}), or {@code poison} (not counted).
 */
record Output(ProducerRecord<byte[], byte[]> record, ResultStamp result, String outcome) {
    static final String PROJECTED = "projected";
    static final String DEAD_LETTERED = "dead_lettered";
    static final String POISON = "poison";

    /** Where it came from, for logs and the readiness message: the record's topic-partition@offset. */
    String describe(PartitionWork w, long offset) {
        return (result != null ? result.job() + " result of org " + result.orgId() : outcome.equals(POISON) ? "dead letter" : "dead letter of an org")
                + " for " + w.partition + "@" + offset;
    }
}
