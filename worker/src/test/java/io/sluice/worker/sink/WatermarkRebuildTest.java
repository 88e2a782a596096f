package io.sluice.worker.sink;

import io.sluice.embedded.SharedServers;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.messages.Window;
import io.sluice.redis.RedisLink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rebuilding lost watermarks from the results topic (the real broker and Redis): one worker rebuilds
 * while the others wait, every org gets its newest committed window, and a result committed by a
 * transaction that claimed before the loss, landing while the rebuild runs, is not missed.
 */
class WatermarkRebuildTest {
    static final Window TODAY = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    static final Window LAST_WEEK = new Window(TODAY.start().minus(7, ChronoUnit.DAYS), TODAY.end().minus(7, ChronoUnit.DAYS));

    private final String topic = SharedServers.uniqueName("wm-rebuild");

    /** Creates a compacted topic and waits until every partition has a leader (a send before that may expire). */
    static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", SharedServers.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                            .stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", SharedServers.kafka().bootstrapServers(),
                "linger.ms", "20", "batch.size", "262144"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void write(KafkaProducer<byte[], byte[]> p, String topic, long org, Window w) {
        p.send(io.sluice.worker.sink.TestResults.record(topic, new ProjectionResult(1, "r", org, w, List.of(), Instant.now())), (md, e) -> {
            if (e != null) FAILED_SENDS.incrementAndGet();
        });
    }

    /** Sends whose callback reported an error: the topic would not hold what the test wrote. */
    static final java.util.concurrent.atomic.AtomicLong FAILED_SENDS = new java.util.concurrent.atomic.AtomicLong();

    static void flush(KafkaProducer<byte[], byte[]> p) {
        p.flush();
        assertThat(FAILED_SENDS.get()).as("sends that failed").isZero();
    }

    static Map<String, Object> readerProps() {
        return Map.of("bootstrap.servers", SharedServers.kafka().bootstrapServers(), "max.poll.records", "2000");
    }

    private Watermarks watermarks() {
        return new Watermarks(SharedServers.redis().uri(), Duration.ofSeconds(5), topic);
    }

    @Test
    void oneWorkerRebuildsEveryOrgsNewestWindowAndTheOthersWaitForTheEpoch() throws Exception {
        createTopic(topic, 3);
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (long org = 1; org <= 300; org++) {
                write(p, topic, org, LAST_WEEK);
                if (org % 3 != 0) write(p, topic, org, TODAY);
            }
            flush(p);
        }
        try (Watermarks a = watermarks(); Watermarks b = watermarks()) {
            assertThatThrownBy(() -> a.read(List.of(1L)).join()).hasCauseInstanceOf(Watermarks.Lost.class);
            WatermarkRebuild first = new WatermarkRebuild(a, readerProps(), topic, new io.sluice.jobs.spike.SpikeProjectionJob(), Duration.ofSeconds(2), System::nanoTime);
            WatermarkRebuild second = new WatermarkRebuild(b, readerProps(), topic, new io.sluice.jobs.spike.SpikeProjectionJob(), Duration.ofSeconds(2), System::nanoTime);
            CompletableFuture<WatermarkRebuild.Outcome> one = CompletableFuture.supplyAsync(() -> call(first));
            CompletableFuture<WatermarkRebuild.Outcome> two = CompletableFuture.supplyAsync(() -> call(second));
            List<String> what = List.of(one.get(60, TimeUnit.SECONDS).what(), two.get(60, TimeUnit.SECONDS).what());
            assertThat(what).as("one rebuilds, the other finds it held or done").contains("rebuilt").containsAnyOf("other", "epoch")
                    .hasSize(2).doesNotHaveDuplicates();

            Watermarks.Mark[] marks = b.read(java.util.stream.LongStream.rangeClosed(1, 301).boxed().toList()).join();
            for (int org = 1; org <= 300; org++) {
                assertThat(marks[org - 1]).as("org %d", org)
                        .isEqualTo(new Watermarks.Mark((org % 3 != 0 ? TODAY : LAST_WEEK).end().toEpochMilli(), null));
            }
            assertThat(marks[300]).as("no result, no watermark").isEqualTo(new Watermarks.Mark(-1, null));
            assertThat(call(second).what()).as("the epoch is back").isEqualTo("epoch");
        }
    }

    @Test
    void aResultCommittedWhileTheRebuildRunsIsNotMissed() throws Exception {
        createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> p = producer(); Watermarks w = watermarks()) {
            write(p, topic, 1, TODAY);
            flush(p);
            WatermarkRebuild rebuild = new WatermarkRebuild(w, readerProps(), topic, new io.sluice.jobs.spike.SpikeProjectionJob(), Duration.ofSeconds(3), System::nanoTime);
            CountDownLatch firstReadDone = new CountDownLatch(1);
            CountDownLatch lateWritten = new CountDownLatch(1);
            rebuild.afterFirstRead = () -> {
                firstReadDone.countDown();
                try {
                    lateWritten.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            CompletableFuture<WatermarkRebuild.Outcome> done = CompletableFuture.supplyAsync(() -> call(rebuild));
            assertThat(firstReadDone.await(30, TimeUnit.SECONDS)).isTrue();
            write(p, topic, 2, TODAY);   // a flush that claimed org 2 before Redis lost the watermarks commits now
            flush(p);
            lateWritten.countDown();
            assertThat(done.get(60, TimeUnit.SECONDS).what()).isEqualTo("rebuilt");
            assertThat(w.read(List.of(1L, 2L)).join()).containsExactly(new Watermarks.Mark(TODAY.end().toEpochMilli(), null),
                    new Watermarks.Mark(TODAY.end().toEpochMilli(), null));
        }
    }

    @Test
    void anEmptyTopicIsRebuiltAtOnce() throws Exception {
        createTopic(topic, 2);
        try (Watermarks w = watermarks()) {
            WatermarkRebuild rebuild = new WatermarkRebuild(w, readerProps(), topic, new io.sluice.jobs.spike.SpikeProjectionJob(), Duration.ofMinutes(10), System::nanoTime);
            WatermarkRebuild.Outcome o = call(rebuild);
            assertThat(o.what()).isEqualTo("rebuilt");
            assertThat(o.took()).as("no transaction can be waited for").isLessThan(Duration.ofMinutes(1));
            try (RedisLink r = RedisLink.open(SharedServers.redis().uri(), Duration.ofSeconds(5), null)) {
                assertThat(r.sync().exists(w.epochKey())).isEqualTo(1L);
            }
        }
    }

    private static WatermarkRebuild.Outcome call(WatermarkRebuild r) {
        try {
            return r.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
