package io.sluice.kafka;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the config alone decides about the group protocol, before any broker is asked. */
class GroupProtocolTest {
    private static SluiceConfig.Kafka kafka(Map<String, String> overrides) {
        return new ConfigLoader().load(null, Map.of(), overrides).kafka();
    }

    @Test
    void nothingSetMeansAskTheBrokers() {
        assertThat(GroupProtocol.fromConfig(kafka(Map.of()))).isEmpty();
    }

    @Test
    void classicOnlyTuningKeysMeanClassicWithCooperativeSticky() {
        SluiceConfig.Kafka k = kafka(Map.of("kafka.consumer.session.timeout.ms", "20000"));
        GroupProtocol.Choice c = GroupProtocol.fromConfig(k).orElseThrow();
        assertThat(c.protocol()).isEqualTo("classic");
        assertThat(c.reason()).contains("session.timeout.ms");
        assertThat(GroupProtocol.apply(k, c).consumer()).containsEntry("group.protocol", "classic")
                .containsEntry("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        KafkaClients.validate(k);   // no longer refused by the client's KIP-848 checks
    }

    @Test
    void classicKeysUnderAnExplicitConsumerProtocolAreExplained() {
        SluiceConfig.Kafka k = kafka(Map.of("kafka.consumer.group.protocol", "consumer", "kafka.consumer.heartbeat.interval.ms", "1000"));
        assertThatThrownBy(() -> KafkaClients.validate(k)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kafka.consumer.heartbeat.interval.ms only work with group.protocol=classic")
                .hasMessageContaining("group.consumer.heartbeat.interval.ms").hasMessageContaining("set group.protocol: classic");
    }

    @Test
    void anExplicitProtocolIsKept() {
        assertThat(GroupProtocol.fromConfig(kafka(Map.of("kafka.consumer.group.protocol", "classic"))).orElseThrow().protocol())
                .isEqualTo("classic");
        assertThat(GroupProtocol.fromConfig(kafka(Map.of("kafka.consumer.group.protocol", "CONSUMER"))).orElseThrow().protocol())
                .isEqualTo("consumer");
    }
}
