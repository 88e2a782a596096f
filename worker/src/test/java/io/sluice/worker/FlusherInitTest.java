package io.sluice.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import io.sluice.worker.sink.ResultGuard;
import io.sluice.worker.sink.Watermarks;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker that starts while the broker restarts waits for the transaction coordinator instead of exiting. */
class FlusherInitTest {

    @Test
    void aCoordinatorThatDoesNotAnswerWithinMaxBlockIsAskedAgain() {
        AtomicInteger asked = new AtomicInteger();
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void initTransactions() {
                if (asked.incrementAndGet() <= 2) {   // the broker is restarting: max.block.ms passes twice
                    throw new TimeoutException("Timeout expired after 5000ms while awaiting InitProducerId");
                }
                super.initTransactions();
            }
        };
        ResultGuard guard = new ResultGuard(new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(5),
                SharedServers.uniqueName("init-results")), Duration.ofSeconds(30), System::nanoTime);
        Flusher flusher = new Flusher(new MockConsumer<>("earliest"), producer, io.sluice.worker.sink.TestResults.guards(guard), true,
                Duration.ZERO, Duration.ofMillis(300), System::nanoTime, new SimpleMeterRegistry());

        flusher.init();

        assertThat(asked).hasValue(3);
        assertThat(producer.transactionInitialized()).isTrue();
        guard.close();
    }
}
