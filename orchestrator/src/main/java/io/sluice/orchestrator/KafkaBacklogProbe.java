package io.sluice.orchestrator;

import io.sluice.config.SluiceConfig;
import io.sluice.kafka.GroupOffsets;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.OptionalLong;

/**
 * The backlog as the worker group's lag on the batches topic, in orgs: for every partition, the end
 * offset minus the group's committed offset (or the earliest offset when the group committed
 * none), times {@code orchestrator.batch-size}. It counts every unfinished batch in the topic,
 * this run's and any other's, and a batch only leaves it when all of its orgs are finished, so it
 * errs on the high side: the bound holds.
 */
public final class KafkaBacklogProbe implements Backlog.Probe {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBacklogProbe.class);
    private final Admin admin;
    private final String topic;
    private final String group;
    private final int batchSize;
    private final long timeoutMs;

    public KafkaBacklogProbe(SluiceConfig config, String clientId) {
        KafkaSettings settings = new KafkaSettings(config.kafka());
        this.admin = Admin.create(settings.admin(clientId));
        this.topic = config.kafka().topics().batches();
        this.group = config.kafka().consumer().getOrDefault("group.id", "sluice-workers");
        this.batchSize = config.orchestrator().batchSize();
        this.timeoutMs = Math.min(10_000, settings.adminTimeout().toMillis());
    }

    @Override
    public OptionalLong unfinishedOrgs() {
        try {
            long lag = GroupOffsets.lag(admin, group, topic, java.time.Duration.ofMillis(timeoutMs));
            return OptionalLong.of(lag * batchSize);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            LOG.warn("cannot measure the backlog of group {} on {}: {}", group, topic, e.toString());
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
