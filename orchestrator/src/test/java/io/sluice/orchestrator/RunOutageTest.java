package io.sluice.orchestrator;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.SharedServers;
import io.sluice.kafka.TopicReader;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunHeldException;
import io.sluice.ledger.RunLease;
import io.sluice.ledger.RunRecord;
import io.sluice.ledger.RunStatus;
import io.sluice.orgs.RangeOrgSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Outages in the middle of a run, against real servers: a Redis of its own that is stopped and
 * started again empty (no persistence), a broker of its own that is restarted. 800 orgs are 32
 * batches of 25; the fault starts when batch 8 is acknowledged. The batches topic must end holding
 * every seq of the run exactly once.
 */
class RunOutageTest {
    private static final long TOTAL = 32;
    /** How long each outage lasts: the scenario itself, not a wait for a condition. */
    private static final long OUTAGE_MS = 3_000;
    private final String batches = SharedServers.uniqueName("batches");
    private final String results = SharedServers.uniqueName("results");
    private final String dlt = SharedServers.uniqueName("dlt");

    private SluiceConfig config(String bootstrap, String redisUri, String... extra) {
        List<String> kv = new ArrayList<>(List.of("kafka.bootstrap-servers", bootstrap,
                "kafka.topics.batches", batches, "kafka.topics.results", results, "kafka.topics.dead-letter", dlt,
                "kafka.topics.partitions", "3", "redis.uri", redisUri, "redis.timeout", "1s",
                "orchestrator.pacing", "250ms", "orchestrator.max-backlog", "0"));
        kv.addAll(List.of(extra));
        return TestConfigs.config(kv.toArray(String[]::new));
    }

    /** A run of orgs 1..800 that calls {@code atBatch8} (on another thread) once batch 8 is acknowledged. */
    private OrchestratorRun run(SluiceConfig cfg, String runId, Consumer<String> atBatch8) {
        return OrchestratorRun.builder(cfg, new RangeOrgSource(1, 800)).runId(runId).holder("orch-a")
                .registry(new SimpleMeterRegistry()).progress(new ProgressReporter() {
                    @Override
                    public void update(Progress p) {
                        if (p.batchesDone() == 9 && atBatch8 != null) {
                            CompletableFuture.runAsync(() -> atBatch8.accept(runId));
                        }
                    }

                    @Override
                    public void done(Progress p) {
                    }
                }).build();
    }

    @Test
    void aRedisRestartedEmptyForThreeSecondsMidRunIsRiddenThroughAndEveryBatchIsPublishedOnce() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start()) {
            SluiceConfig cfg = config(SharedServers.kafka().bootstrapServers(), redis.uri(), "orchestrator.lease-ttl", "10s");
            String runId = SharedServers.uniqueName("r");
            AtomicReference<Throwable> secondPublisher = new AtomicReference<>();
            AtomicReference<RunLease.Holder> reclaimed = new AtomicReference<>();
            CompletableFuture<Void> drill = new CompletableFuture<>();
            RunResult r = run(cfg, runId, id -> {
                try {
                    redis.stop();
                    Thread.sleep(OUTAGE_MS);   // the fault itself: Redis stays down this long, whatever the run does
                    redis.start();   // same port, no data: no record, no plan, no lease, no token counter
                    try (RedisRunLedger ledger = new RedisRunLedger(redis.uri(), Duration.ofSeconds(2))) {
                        // The orchestrator takes its run again; a second publisher is refused meanwhile.
                        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.holder(id).isPresent());
                        reclaimed.set(ledger.holder(id).orElseThrow());
                        try {
                            ledger.claim(id, "orch-b", Duration.ofSeconds(10));
                        } catch (RunHeldException e) {
                            secondPublisher.set(e);
                        }
                    }
                    drill.complete(null);
                } catch (Throwable t) {
                    drill.completeExceptionally(t);
                }
            }).run();
            drill.get(30, TimeUnit.SECONDS);

            assertThat(r.outcome()).as(String.valueOf(r.error())).isEqualTo(RunResult.Outcome.FINISHED);
            assertThat(r.exitCode()).isZero();
            assertThat(r.publishedNow()).isEqualTo(TOTAL);
            assertThat(seqsInTopic(cfg, runId)).containsExactlyElementsOf(LongStream.range(0, TOTAL).boxed().toList());
            assertThat(reclaimed.get().name()).isEqualTo("orch-a");
            assertThat(reclaimed.get().token()).as("the token grows although Redis lost its counter").isEqualTo(2);
            assertThat(secondPublisher.get()).isInstanceOf(RunHeldException.class).hasMessageContaining("orch-a");
            try (RedisRunLedger ledger = new RedisRunLedger(redis.uri(), Duration.ofSeconds(2))) {
                RunRecord rec = ledger.find(runId).orElseThrow();
                assertThat(rec.status()).isEqualTo(RunStatus.FINISHED);
                assertThat(rec.lastAckedSeq()).isEqualTo(TOTAL - 1);
                assertThat(ledger.plan(runId)).get().satisfies(ids -> assertThat(ids).hasSize(800));
            }
        }
    }

    @Test
    void aRedisOutageLongerThanTheLeaseExitsResumablyAndTheRetryOnAnEmptyRedisPublishesNothingTwice() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start()) {
            SluiceConfig cfg = config(SharedServers.kafka().bootstrapServers(), redis.uri(), "orchestrator.lease-ttl", "3s");
            String runId = SharedServers.uniqueName("r");
            RunResult first = run(cfg, runId, id -> redis.stop()).run();

            assertThat(first.outcome()).isEqualTo(RunResult.Outcome.INTERRUPTED);
            assertThat(first.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
            assertThat(first.error()).contains("orchestrator.lease-ttl");
            assertThat(first.lastAckedSeq()).isBetween(8L, TOTAL - 2);

            redis.start();   // back empty: the run's record, plan and lease are gone
            RunResult retry = run(cfg, runId, null).run();
            assertThat(retry.outcome()).as(String.valueOf(retry.error())).isEqualTo(RunResult.Outcome.FINISHED);
            assertThat(retry.publishedNow()).isEqualTo(TOTAL - (first.lastAckedSeq() + 1));
            assertThat(seqsInTopic(cfg, runId)).containsExactlyElementsOf(LongStream.range(0, TOTAL).boxed().toList());
            try (RedisRunLedger ledger = new RedisRunLedger(redis.uri(), Duration.ofSeconds(2))) {
                assertThat(ledger.find(runId).orElseThrow().status()).isEqualTo(RunStatus.FINISHED);
            }
        }
    }

    @Test
    void aRetryWhoseLedgerIsGoneRefusesASourceThatNoLongerGivesThePublishedBatches() throws Exception {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().build().start()) {
            SluiceConfig cfg = config(SharedServers.kafka().bootstrapServers(), redis.uri(), "orchestrator.lease-ttl", "3s");
            String runId = SharedServers.uniqueName("r");
            RunResult first = run(cfg, runId, id -> redis.stop()).run();
            assertThat(first.exitCode()).isEqualTo(RunResult.EXIT_RESUMABLE);
            redis.start();

            // The source changed meanwhile (orgs 2..801): its plan is not the one the topic holds.
            OrchestratorRun changed = OrchestratorRun.builder(cfg, new RangeOrgSource(2, 801)).runId(runId)
                    .registry(new SimpleMeterRegistry()).progress(ProgressReporter.none()).build();
            assertThatThrownBy(changed::run).isInstanceOf(io.sluice.config.ConfigException.class)
                    .hasMessageContaining("frozen plan cannot be recovered").hasMessageContaining("batch 0")
                    .hasMessageContaining("--force");
            assertThat(seqsInTopic(cfg, runId)).hasSize((int) first.lastAckedSeq() + 1).doesNotHaveDuplicates();
        }
    }

    @Test
    void aBrokerRestartShorterThanTheLeaseIsRiddenThroughAndEveryBatchIsPublishedOnce() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
            // Sends fail after 2 s, well inside the outage, so the run must hold and retry, not the producer.
            SluiceConfig cfg = config(kafka.bootstrapServers(), SharedServers.redis().uri(), "orchestrator.lease-ttl", "30s",
                    "kafka.producer.delivery.timeout.ms", "2000", "kafka.producer.max.block.ms", "2000",
                    "kafka.common.default.api.timeout.ms", "5000");
            String runId = SharedServers.uniqueName("r");
            CompletableFuture<Void> drill = new CompletableFuture<>();
            RunResult r = run(cfg, runId, id -> {
                try {
                    kafka.stop();
                    Thread.sleep(OUTAGE_MS);   // the fault itself: the broker stays down this long, whatever the run does
                    kafka.start();
                    drill.complete(null);
                } catch (Throwable t) {
                    drill.completeExceptionally(t);
                }
            }).run();
            drill.get(60, TimeUnit.SECONDS);

            assertThat(r.outcome()).as(String.valueOf(r.error())).isEqualTo(RunResult.Outcome.FINISHED);
            assertThat(r.exitCode()).isZero();
            assertThat(seqsInTopic(cfg, runId)).containsExactlyElementsOf(LongStream.range(0, TOTAL).boxed().toList());
        }
    }

    /** Every seq of {@code runId} in the batches topic, sorted, duplicates kept. */
    private List<Long> seqsInTopic(SluiceConfig cfg, String runId) {
        List<Long> seqs = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> rec : new TopicReader(cfg.kafka()).readAll(batches, Duration.ofSeconds(30))) {
            String key = new String(rec.key(), StandardCharsets.UTF_8);
            if (key.startsWith(runId + ":")) {
                seqs.add(Long.parseLong(key.substring(runId.length() + 1)));
            }
        }
        seqs.sort(null);
        return seqs;
    }
}
