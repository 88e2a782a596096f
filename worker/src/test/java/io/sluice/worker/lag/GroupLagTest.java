package io.sluice.worker.lag;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Broker-side lag: it counts a partition nobody consumes, and drops as the group commits. */
class GroupLagTest {
    @Test
    void lagIsEndMinusCommittedOverEveryPartitionAndUnknownIsMinusOne() throws Exception {
        String topic = SharedServers.uniqueName("lag");
        String group = topic + "-g";
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedServers.kafka().bootstrapServers());
        try (Admin setup = Admin.create(props)) {
            setup.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            try (var p = new KafkaProducer<byte[], byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    SharedServers.kafka().bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(topic, 0, null, new byte[] {1})).get();
                for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(topic, 1, null, new byte[] {1})).get();
            }
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (GroupLag lag = new GroupLag(Admin.create(props), group, topic, Duration.ofSeconds(10), registry)) {
                assertThat(lag.refresh()).as("a group that never committed lags by everything").isEqualTo(8);
                setup.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(4),
                        new TopicPartition(topic, 1), new OffsetAndMetadata(3))).all().get();
                assertThat(lag.refresh()).isEqualTo(1);
                assertThat(registry.get("sluice.worker.group.lag").tag("group", group).tag("topic", topic).gauge().value()).isEqualTo(1.0);
            }
            try (GroupLag missing = new GroupLag(Admin.create(props), group, topic + "-absent", Duration.ofSeconds(5), new SimpleMeterRegistry())) {
                assertThat(missing.refresh()).isEqualTo(-1);
            }
        }
    }
}
