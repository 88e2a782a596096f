package io.sluice.local;

import io.sluice.config.SluiceConfig;
import io.sluice.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Waits until the workers' consumer group has settled: every worker a member holding the partitions the
 * group coordinator means it to hold, all of them assigned. A daily run starts against long-running
 * workers; without this wait, a run started right after the workers measured the group's first rebalance
 * (the first member takes every partition and hands them over as the others join, a heartbeat at a time).
 */
final class GroupSettled {
    private GroupSettled() {
    }

    /** Seconds it took; throws when the group has not settled within {@code timeout}. */
    static double await(SluiceConfig cfg, int workers, Duration timeout) throws Exception {
        String group = String.valueOf(cfg.kafka().consumer().getOrDefault("group.id", "sluice-workers"));
        int partitions = cfg.kafka().topics().partitions();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String last = "not described yet";
        try (Admin admin = KafkaClients.admin(cfg.kafka())) {
            while (System.nanoTime() < deadline) {
                try {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                            .get(10, TimeUnit.SECONDS).get(group);
                    last = describe(d);
                    if (settled(d, workers, partitions)) {
                        return (System.nanoTime() - start) / 1e9;
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) throw e;
                    last = "no group yet";   // no member has joined yet
                }
                Thread.sleep(100);   // the coordinator has no notification to wait for
            }
        }
        throw new IllegalStateException("the consumer group " + group + " did not settle within " + timeout + ": " + last);
    }

    private static boolean settled(ConsumerGroupDescription d, int workers, int partitions) {
        if (d == null || d.members().size() != workers) {
            return false;
        }
        int total = 0;
        for (MemberDescription m : d.members()) {
            int held = m.assignment().topicPartitions().size();
            if (held == 0 || m.targetAssignment().map(t -> !t.topicPartitions().equals(m.assignment().topicPartitions())).orElse(false)) {
                return false;
            }
            total += held;
        }
        return total == partitions;
    }

    private static String describe(ConsumerGroupDescription d) {
        if (d == null) return "no group";
        StringBuilder sb = new StringBuilder(d.members().size() + " members:");
        d.members().forEach(m -> sb.append(' ').append(m.assignment().topicPartitions().size()));
        return sb.toString();
    }
}
