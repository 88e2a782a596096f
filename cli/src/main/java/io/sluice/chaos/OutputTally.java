package io.sluice.chaos;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Follows the results and dead-letter topics while the run goes on: which orgs and which dead-letter keys are out. */
final class OutputTally implements AutoCloseable {
    private final Set<String> resultKeys = ConcurrentHashMap.newKeySet();
    private final Set<String> deadLetterKeys = ConcurrentHashMap.newKeySet();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    OutputTally(Map<String, Object> readerProps, String results, String deadLetter, int partitions) {
        consumer = new KafkaConsumer<>(readerProps);
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(results, deadLetter)) {
            for (int p = 0; p < partitions; p++) {
                parts.add(new TopicPartition(topic, p));
            }
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread = Thread.ofPlatform().name("chaos-tally").daemon().start(() -> {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                        String key = r.key() == null ? "<null>" : new String(r.key(), StandardCharsets.UTF_8);
                        (r.topic().equals(results) ? resultKeys : deadLetterKeys).add(key);
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(2));
            }
        });
    }

    int orgsWithResults() {
        return resultKeys.size();
    }

    boolean deadLettered(String key) {
        return deadLetterKeys.contains(key);
    }

    int deadLetterKeys() {
        return deadLetterKeys.size();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
