package io.sluice.worker;

import io.sluice.messages.Batch;
import org.apache.kafka.common.TopicPartition;

/**
 * One org of one fetched batch record. {@code attempts} counts failed downstream attempts only: a
 * refused slot or a 429 is not a failed attempt.
 */
record OrgTask(TopicPartition partition, long offset, Batch batch, long orgId, int attempts, long notBeforeNanos) {

    OrgTask retryAt(long notBeforeNanos, boolean countsAsAttempt) {
        return new OrgTask(partition, offset, batch, orgId, countsAsAttempt ? attempts + 1 : attempts, notBeforeNanos);
    }

    String owner(String workerId) {
        return workerId + "/" + partition + "@" + offset + "/org-" + orgId;
    }
}
