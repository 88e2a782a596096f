package io.sluice.worker;

import io.sluice.messages.Batch;
import io.sluice.messages.Window;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The commit bookkeeping against a MockConsumer whose commits can be made to fail. */
class CommitterTest {
    private static final TopicPartition TP = new TopicPartition("batches", 0);
    private final FlakyConsumer consumer = new FlakyConsumer();
    private final Committer committer = new Committer(consumer, Duration.ofSeconds(1));
    private final PartitionWork work = new PartitionWork(TP, 1);

    CommitterTest() {
        consumer.assign(List.of(TP));
    }

    private void finish(long... offsets) {
        Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", 0, List.of(1L),
                new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z")), Instant.EPOCH);
        for (long o : offsets) {
            work.addBatch(o, b);
        }
        for (long o : offsets) {
            work.orgFinished(o);
        }
    }

    private Long committed() {
        OffsetAndMetadata m = consumer.committed(Set.of(TP)).get(TP);
        return m == null ? null : m.offset();
    }

    @Test
    void aFailedAsyncCommitIsSentAgainAndLastCommittedMovesOnlyOnSuccess() {
        finish(0, 1, 2);
        consumer.failNextAsync = true;
        committer.commitAsync(List.of(work));
        assertThat(committed()).isNull();
        assertThat(work.lastCommitted).isEqualTo(-1);   // it was not confirmed

        committer.commitAsync(List.of(work));             // nothing new finished: the same offset goes again
        assertThat(committed()).isEqualTo(3);
        assertThat(work.lastCommitted).isEqualTo(3);
        int commits = consumer.asyncCommits;
        committer.commitAsync(List.of(work));             // confirmed: nothing more to send
        assertThat(consumer.asyncCommits).isEqualTo(commits);
    }

    @Test
    void aFailedAsyncCommitIsCoveredByTheSyncCommitOnRevoke() {
        finish(0, 1);
        consumer.failNextAsync = true;
        committer.commitAsync(List.of(work));
        committer.commitSync(List.of(work));
        assertThat(committed()).isEqualTo(2);
    }

    @Test
    void onlyTheContiguousFinishedPrefixIsCommittedAndNeverLower() {
        Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r", 0, List.of(1L),
                new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z")), Instant.EPOCH);
        for (long o = 0; o < 4; o++) {
            work.addBatch(o, b);
        }
        work.orgFinished(0);
        work.orgFinished(2);   // 1 still running: only offset 0 is done contiguously
        committer.commitSync(List.of(work));
        assertThat(committed()).isEqualTo(1);
        work.orgFinished(1);
        work.orgFinished(3);
        committer.commitSync(List.of(work));
        assertThat(committed()).isEqualTo(4);
        work.lastCommitted = 4;
        committer.commitSync(List.of(work));
        assertThat(consumer.syncCommits).isEqualTo(2);   // nothing lower or equal is ever sent
    }

    @Test
    void aRetriableSyncFailureIsRetried() {
        finish(0);
        consumer.failSync = 2;
        committer.commitSync(List.of(work));
        assertThat(committed()).isEqualTo(1);
        assertThat(work.lastCommitted).isEqualTo(1);
    }

    private static final class FlakyConsumer extends MockConsumer<byte[], byte[]> {
        boolean failNextAsync;
        int failSync;
        int asyncCommits;
        int syncCommits;

        FlakyConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
            if (callback == null) {   // MockConsumer's own commitSync goes through here
                super.commitAsync(offsets, null);
                return;
            }
            asyncCommits++;
            if (failNextAsync) {
                failNextAsync = false;
                callback.onComplete(offsets, new RetriableCommitFailedException("rebalance in progress"));
                return;
            }
            super.commitAsync(offsets, callback);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            syncCommits++;
            if (failSync > 0) {
                failSync--;
                throw new RetriableCommitFailedException("coordinator moved");
            }
            super.commitSync(offsets);
        }
    }
}
