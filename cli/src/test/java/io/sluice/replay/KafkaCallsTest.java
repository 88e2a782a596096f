package io.sluice.replay;

import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin client's own time-out names the broker and the setting, not only "a node assignment". */
class KafkaCallsTest {
    @Test
    void anAdminTimeoutNamesTheBrokerAndTheSetting() {
        KafkaFutureImpl<String> future = new KafkaFutureImpl<>();
        future.completeExceptionally(new TimeoutException("Timed out waiting for a node assignment. Call: describeConsumerGroups"));
        assertThatThrownBy(() -> new KafkaCalls("127.0.0.1:1", Duration.ofSeconds(30)).await("describing group g", future))
                .isInstanceOf(ReplayException.class)
                .hasMessageStartingWith("Kafka at 127.0.0.1:1 did not answer describing group g in time")
                .hasMessageContaining("kafka.bootstrap-servers").hasMessageContaining("kafka.common.default.api.timeout.ms");
    }
}
