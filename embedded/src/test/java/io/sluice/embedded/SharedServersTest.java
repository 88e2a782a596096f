package io.sluice.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SharedServersTest {

    @Test
    void startsEachServerOnceAndHandsOutTheSameInstance() {
        assertThat(SharedServers.redis()).isSameAs(SharedServers.redis());
        assertThat(SharedServers.redis().isRunning()).isTrue();
        assertThat(FreePorts.isListening(SharedServers.redis().port())).isTrue();

        assertThat(SharedServers.kafka()).isSameAs(SharedServers.kafka());
        assertThat(SharedServers.kafka().isRunning()).isTrue();
        String topic = SharedServers.uniqueName("shared servers test");
        SharedServers.kafka().createTopic(topic, 2);
    }

    /** SLUICE_TEST_KAFKA_BOOTSTRAP wins: the tests use that cluster and start nothing. */
    @Test
    void anExternalBootstrapIsUsedAsGivenAndNothingIsStarted() {
        TestBroker external = SharedServers.chooseBroker(" " + SharedServers.kafka().bootstrapServers() + " ");
        assertThat(external).isInstanceOf(ExternalBroker.class);
        assertThat(external.bootstrapServers()).isEqualTo(SharedServers.kafka().bootstrapServers());
        assertThat(external.describe()).startsWith("external Kafka at ").endsWith("(SLUICE_TEST_KAFKA_BOOTSTRAP)");
        assertThat(external.isRunning()).isTrue();
        external.createTopic(SharedServers.uniqueName("external"), 1);
    }

    @Test
    void uniqueNamesAreDistinctAndSafeAsTopicNames() {
        Set<String> names = new HashSet<>();
        IntStream.range(0, 1_000).parallel()
                .mapToObj(i -> SharedServers.uniqueName("My Topic/" + (i % 3)))
                .forEach(n -> {
                    synchronized (names) {
                        names.add(n);
                    }
                });
        assertThat(names).hasSize(1_000).allMatch(n -> n.matches("[a-z0-9._-]+"));
        assertThat(SharedServers.uniqueName("batches")).startsWith("batches-");
    }
}
