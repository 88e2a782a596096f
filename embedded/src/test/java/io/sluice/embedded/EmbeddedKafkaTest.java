package io.sluice.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {
    private static final int RECORDS = 1_000;

    @Test
    void servesAConsumerProtocolGroupAndKeepsItsDataAcrossARestart() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
            String topic = "embedded-kafka-test";
            kafka.createTopic(topic, 6);
            int brokerPort = kafka.brokerPort();
            int controllerPort = kafka.controllerPort();

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(kafka))) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
                }
                producer.flush();
            }

            Set<String> first = consumeAll(kafka, topic, "group-before-restart");
            assertThat(first).hasSize(RECORDS).contains("v0", "v999");
            try (Admin admin = Admin.create(kafka.adminConfig())) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("group-before-restart"))
                        .describedGroups().get("group-before-restart").get(10, TimeUnit.SECONDS);
                assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
            }

            kafka.restart();
            assertThat(kafka.brokerPort()).isEqualTo(brokerPort);
            assertThat(kafka.controllerPort()).isEqualTo(controllerPort);

            Set<String> second = consumeAll(kafka, topic, "group-after-restart");
            assertThat(second).isEqualTo(first);
        }
    }

    @Test
    void theConsumerHeartbeatIsAnOptionForMeasuringWithKafkasDefault() throws Exception {
        assertThatThrownBy(() -> EmbeddedKafka.builder().consumerHeartbeat(Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("500ms..15s");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().consumerHeartbeat(EmbeddedKafka.KAFKA_DEFAULT_CONSUMER_HEARTBEAT)
                .build().start();
             Admin admin = Admin.create(kafka.adminConfig())) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
            assertThat(config.get("group.consumer.heartbeat.interval.ms").value()).isEqualTo("5000");
        }
    }

    private static Set<String> consumeAll(EmbeddedKafka kafka, String topic, String groupId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Set<String> values = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= RECORDS;
            });
            assertThat(consumer.assignment()).hasSize(6);
            consumer.commitSync();
        }
        return values;
    }

    private static Map<String, Object> producerConfig(EmbeddedKafka kafka) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return config;
    }
}
