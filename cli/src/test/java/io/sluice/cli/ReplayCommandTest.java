package io.sluice.cli;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.messages.DeadLetterHeaders;
import io.sluice.replay.DeadLetterReplay;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static io.sluice.cli.OpsFixture.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code sluice replay} against the shared broker (and, for the round trip, a real worker and the Snuba simulator). */
class ReplayCommandTest {
    private static final Pattern ROW = Pattern.compile("^(\\d+) +(-|\\d+) +(\\d+) +(\\d+) +(\\d+) *(.*)$", Pattern.MULTILINE);

    @Test
    void replayToEarliestMakesAStoppedWorkerGroupReadTheTopicAgainWithoutQueryingCommittedWindowsTwice() throws Exception {
        try (SnubaSimulator sim = new SnubaSimulator(SnubaSimulator.Options.defaults()
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
             OpsFixture ops = new OpsFixture(sim.url(), "slots:\n  pool: %s\n")) {
            List<Long> orgs = LongStream.rangeClosed(1, 20).boxed().toList();
            ops.publishBatches("r-replay", orgs, 5);
            String batches = ops.config.kafka().topics().batches();
            String results = ops.config.kafka().topics().results();

            ops.startWorker("w1");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .until(() -> ops.readAll(results).size() == orgs.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> ops.committed(ops.group(), batches).values().stream()
                    .mapToLong(Long::longValue).sum() == 4);
            ops.workers.getFirst().close();
            await().atMost(Duration.ofSeconds(30)).until(() -> ops.groupMembers(ops.group()) == 0);
            Map<Integer, Long> before = ops.committed(ops.group(), batches);

            Cli.Result dry = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-earliest"));
            assertThat(dry.exit()).as(dry.toString()).isZero();
            assertThat(dry.out()).contains("total: 4 records to replay across 3 partitions", "dry run: nothing changed");
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(before);

            Cli.Result run = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-earliest", "--execute"));
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).contains("committed: group " + ops.group());
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(Map.of(0, 0L, 1, 0L, 2, 0L));

            long queriesBefore = sim.stats().requests();
            ops.startWorker("w2");
            // The group reads the topic again; an org whose result for that window is already committed is
            // not queried again (once per org and window), so the replay costs no query and writes nothing new.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> ops.committed(ops.group(), batches)
                    .values().stream().mapToLong(Long::longValue).sum() == 4);
            assertThat(sim.stats().requests()).as("queries after the replay").isEqualTo(queriesBefore);
            Map<String, Long> perOrg = new TreeMap<>();
            ops.readAll(results).forEach(r -> perOrg.merge(utf8(r.key()), 1L, Long::sum));
            assertThat(perOrg).hasSize(orgs.size()).allSatisfy((org, n) -> assertThat(n).as("results of org %s", org).isEqualTo(1));
        }
    }

    @Test
    void dryRunShowsTheTableAndChangesNothing() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String batches = ops.config.kafka().topics().batches();
            ops.send(records(batches, 3, i -> null));
            ops.commit(ops.group(), batches, Map.of(0, 3L, 1, 3L));   // partition 2: never committed

            Cli.Result r = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-offset", "1"));
            System.out.print(r.out());

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(rows(r.out())).containsExactly(
                    List.of("0", "3", "1", "3", "2", ""),
                    List.of("1", "3", "1", "3", "2", ""),
                    List.of("2", "-", "1", "3", "0", "skips 1 unprocessed records"));
            assertThat(r.out()).contains("total: 4 records to replay", "warning: 1 records not yet processed will be skipped",
                    "dry run: nothing changed");
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(Map.of(0, 3L, 1, 3L));
        }
    }

    @Test
    void byDurationAndToDatetimePickTheFirstRecordAtOrAfterTheTime() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String batches = ops.config.kafka().topics().batches();
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            List<Instant> stamps = List.of(now.minus(5, ChronoUnit.HOURS), now.minus(3, ChronoUnit.HOURS), now.minus(1, ChronoUnit.HOURS));
            ops.send(records(batches, 3, stamps::get));
            ops.commit(ops.group(), batches, Map.of(0, 3L, 1, 3L, 2, 3L));

            Cli.Result byDuration = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--by-duration", "2h"));
            assertThat(byDuration.exit()).as(byDuration.toString()).isZero();
            assertThat(targets(byDuration.out())).isEqualTo(Map.of(0, 2L, 1, 2L, 2, 2L));
            assertThat(byDuration.out()).contains("total: 3 records to replay");

            // Zone-less means UTC: 4 hours ago falls between the first and the second record.
            String fourHoursAgo = LocalDateTime.ofInstant(now.minus(4, ChronoUnit.HOURS), ZoneOffset.UTC).toString();
            Cli.Result toDatetime = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-datetime", fourHoursAgo));
            assertThat(toDatetime.exit()).as(toDatetime.toString()).isZero();
            assertThat(targets(toDatetime.out())).isEqualTo(Map.of(0, 1L, 1, 1L, 2, 1L));

            Cli.Result exact = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-datetime", stamps.get(1).toString()));
            assertThat(targets(exact.out())).as(exact.toString()).isEqualTo(Map.of(0, 1L, 1, 1L, 2, 1L));

            Cli.Result future = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-datetime", now.plus(1, ChronoUnit.DAYS).toString()));
            assertThat(targets(future.out())).as(future.toString()).isEqualTo(Map.of(0, 3L, 1, 3L, 2, 3L));
            assertThat(future.out()).contains("no record at or after the time: end", "total: 0 records to replay");

            Cli.Result clamped = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-offset", "10", "--execute"));
            assertThat(clamped.exit()).as(clamped.toString()).isZero();
            assertThat(clamped.out()).contains("offset 10 clamped to [0, 3]");
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(Map.of(0, 3L, 1, 3L, 2, 3L));

            Cli.Result executed = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--by-duration", "2h", "--execute"));
            assertThat(executed.exit()).as(executed.toString()).isZero();
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(Map.of(0, 2L, 1, 2L, 2, 2L));
        }
    }

    @Test
    void refusesWhileTheGroupHasAnActiveMember() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String batches = ops.config.kafka().topics().batches();
            var worker = ops.startWorker("w-active");
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.loop().assignedPartitions() > 0);
            Map<Integer, Long> before = ops.committed(ops.group(), batches);

            Cli.Result r = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-earliest", "--execute"));

            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("error: group " + ops.group() + " has 1 active member; stop them first (with KEDA: kubectl annotate scaledobject/sluice-worker autoscaling.keda.sh/paused-replicas=0; without: scale the Deployment to 0)");
            assertThat(r.err()).doesNotContain("\tat ");
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(before);
        }
    }

    @Test
    void deadLettersAreRepublishedOnceAndPoisonIsSkipped() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String dlt = ops.config.kafka().topics().deadLetter();
            String batches = ops.config.kafka().topics().batches();
            String[] reasons = {"exhausted", "poison", "exhausted", "rejected", "poison", "exhausted"};
            List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
            for (int i = 0; i < reasons.length; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(dlt, i % OpsFixture.PARTITIONS, utf8("r-dlt:" + i), utf8("{\"batch\":" + i + "}"));
                r.headers().add(DeadLetterHeaders.REASON, utf8(reasons[i]))
                        .add(DeadLetterHeaders.ORIGINAL_TOPIC, utf8(batches))
                        .add(DeadLetterHeaders.ERROR, utf8("failure " + i))
                        .add("trace-id", utf8("t" + i));
                letters.add(r);
            }
            ops.send(letters);

            Cli.Result dry = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter"));
            assertThat(dry.exit()).as(dry.toString()).isZero();
            assertThat(dry.out()).contains("would re-publish 4 batches: exhausted 3, rejected 1", "would skip 2 poison records",
                    "key=r-dlt:1 error=failure 1", "key=r-dlt:4 error=failure 4", "dry run: nothing published, nothing committed");
            assertThat(ops.readAll(batches)).isEmpty();
            assertThat(ops.committed(DeadLetterReplay.DEFAULT_GROUP, dlt)).isEmpty();

            Cli.Result run = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter", "--execute"));
            System.out.print(run.out());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).contains("re-published 4 batches: exhausted 3, rejected 1", "skipped 2 poison records");
            List<ConsumerRecord<byte[], byte[]>> replayed = ops.readAll(batches);
            assertThat(replayed).extracting(r -> utf8(r.key()))
                    .containsExactlyInAnyOrder("r-dlt:0", "r-dlt:2", "r-dlt:3", "r-dlt:5");
            for (ConsumerRecord<byte[], byte[]> r : replayed) {
                int i = Integer.parseInt(utf8(r.key()).substring("r-dlt:".length()));
                assertThat(utf8(r.value())).isEqualTo("{\"batch\":" + i + "}");
                assertThat(utf8(r.headers().lastHeader(DeadLetterReplay.REPLAYED_FROM).value()))
                        .isEqualTo(dlt + "/" + (i % OpsFixture.PARTITIONS) + "/" + (i / OpsFixture.PARTITIONS));
                assertThat(utf8(r.headers().lastHeader("trace-id").value())).isEqualTo("t" + i);
                assertThat(Arrays.stream(r.headers().toArray()).map(Header::key)).noneMatch(k -> k.startsWith("sluice.dlt."));
            }
            assertThat(ops.committed(DeadLetterReplay.DEFAULT_GROUP, dlt)).isEqualTo(Map.of(0, 2L, 1, 2L, 2, 2L));

            Cli.Result again = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter", "--execute"));
            assertThat(again.exit()).as(again.toString()).isZero();
            assertThat(again.out()).contains("re-published 0 batches");
            assertThat(ops.readAll(batches)).hasSize(4);
        }
    }

    /** A replayed dead letter keeps the slot class it carries; {@code --class} names another. */
    @Test
    void aDeadLetterReplayKeepsItsClassOrTakesTheOneGiven() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String dlt = ops.config.kafka().topics().deadLetter();
            String batches = ops.config.kafka().topics().batches();
            io.sluice.messages.Batch b = new io.sluice.messages.Batch(1, io.sluice.messages.Batch.JOB_SPIKE_PROJECTION, "r-cls", 0,
                    List.of(7L), OpsFixture.WINDOW, Instant.parse("2026-11-28T01:00:00Z"), "nightly");
            ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(dlt, 0, utf8(b.key()), io.sluice.messages.MessageCodec.encode(b));
            letter.headers().add(DeadLetterHeaders.REASON, utf8("unknown-class"));
            ops.send(List.of(letter));

            Cli.Result kept = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter", "--execute"));
            assertThat(kept.exit()).as(kept.toString()).isZero();
            assertThat(kept.out()).contains("re-published 1 batch: unknown-class 1");
            Cli.Result other = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter", "--dlt-group", "replay-2", "--class", "backfill",
                    "--execute"));
            assertThat(other.exit()).as(other.toString()).isZero();
            Cli.Result bad = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter", "--dlt-group", "replay-3", "--class", "no/such"));
            assertThat(bad.exit()).as(bad.toString()).isEqualTo(2);

            List<ConsumerRecord<byte[], byte[]>> replayed = ops.readAll(batches);
            assertThat(replayed).hasSize(2);
            List<String> classes = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : replayed) {
                io.sluice.messages.Batch again = io.sluice.messages.MessageCodec.decodeBatch(r.value());
                assertThat(again.orgIds()).containsExactly(7L);
                assertThat(again.runId()).isEqualTo("r-cls");
                classes.add(again.slotClass());
            }
            assertThat(classes).containsExactlyInAnyOrder("nightly", "backfill");
        }
    }

    @Test
    void deadLettersOfAnAbortedTransactionAreNeverReplayed() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String dlt = ops.config.kafka().topics().deadLetter();
            String batches = ops.config.kafka().topics().batches();
            // What a worker's transactions leave on the topic: an aborted one (a zombie fenced, a failed flush)
            // and a committed one. A read_uncommitted reader would see all three records.
            try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = io.sluice.kafka.KafkaClients.producer(
                    io.sluice.kafka.KafkaClients.transactionalProducerProps(ops.config.kafka(), "dlt-writer", "dlt-writer-" + dlt))) {
                p.initTransactions();
                for (boolean commit : new boolean[] {false, true}) {
                    p.beginTransaction();
                    for (int i = commit ? 2 : 0; i < (commit ? 3 : 2); i++) {
                        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(dlt, 0, utf8("r-tx:" + i), utf8("{\"batch\":" + i + "}"));
                        r.headers().add(DeadLetterHeaders.REASON, utf8("exhausted")).add(DeadLetterHeaders.ORIGINAL_TOPIC, utf8(batches));
                        p.send(r);
                    }
                    if (commit) p.commitTransaction();
                    else p.abortTransaction();
                }
            }
            Cli.Result run = Cli.run(new ReplayCommand(), ops.args("--from-dead-letter", "--execute"));
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).contains("re-published 1 batch: exhausted 1");
            assertThat(ops.readAll(batches)).extracting(r -> utf8(r.key())).containsExactly("r-tx:2");
        }
    }

    @Test
    void usageErrorsExitTwoAndNameTheFlag() {
        Cli.Result twoTargets = Cli.run(new ReplayCommand(), "--group", "g", "--to-earliest", "--to-offset", "3");
        assertThat(twoTargets.exit()).isEqualTo(2);
        // Not picocli's raw "expected only one match but got ...": both targets named, one line.
        assertThat(twoTargets.err()).contains("--to-earliest", "--to-offset=3", "cannot be combined").doesNotContain("expected only one match");

        Cli.Result noTarget = Cli.run(new ReplayCommand(), "--group", "g");
        assertThat(noTarget.exit()).isEqualTo(2);
        assertThat(noTarget.err()).contains("Missing required argument");

        Cli.Result both = Cli.run(new ReplayCommand(), "--group", "g", "--to-earliest", "--from-dead-letter");
        assertThat(both.exit()).isEqualTo(2);

        Cli.Result nothing = Cli.run(new ReplayCommand(), "--execute");
        assertThat(nothing.exit()).isEqualTo(2);

        Cli.Result badDuration = Cli.run(new ReplayCommand(), "--group", "g", "--by-duration", "2 weeks");
        assertThat(badDuration.exit()).isEqualTo(2);
        assertThat(badDuration.err()).contains("--by-duration: '2 weeks' is not a duration; valid examples");

        Cli.Result badTime = Cli.run(new ReplayCommand(), "--group", "g", "--to-datetime", "yesterday");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("--to-datetime 'yesterday' is not an ISO-8601 date-time");

        Cli.Result negative = Cli.run(new ReplayCommand(), "--group", "g", "--to-offset", "-1");
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("--to-offset -1 is negative");
    }

    /** What kafka-consumer-groups users reach for: --to-latest, --shift-by, --from-file, --topic t:0,1, --dry-run. */
    @Test
    void kafkaConsumerGroupsStyleTargetsAndPartitionSelection() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            String batches = ops.config.kafka().topics().batches();
            ops.send(records(batches, 4, i -> null));
            ops.commit(ops.group(), batches, Map.of(0, 3L, 1, 1L));   // partition 2: never committed

            Cli.Result latest = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-latest", "--dry-run"));
            assertThat(latest.exit()).as(latest.toString()).isZero();
            assertThat(targets(latest.out())).isEqualTo(Map.of(0, 4L, 1, 4L, 2, 4L));
            assertThat(latest.out()).contains("dry run: nothing changed");

            Cli.Result back = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--shift-by", "-2"));
            assertThat(targets(back.out())).as(back.toString()).isEqualTo(Map.of(0, 1L, 1, 0L, 2, 0L));
            assertThat(back.out()).contains("shift to -1 clamped to [0, 4]", "total: 3 records to replay");

            Cli.Result some = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--topic", batches + ":0,2",
                    "--to-earliest", "--execute"));
            assertThat(some.exit()).as(some.toString()).isZero();
            assertThat(targets(some.out())).isEqualTo(Map.of(0, 0L, 2, 0L));
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(Map.of(0, 0L, 1, 1L, 2, 0L));

            java.nio.file.Path csv = java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("offsets", ".csv"),
                    "# exported\n" + batches + ",1,3\n" + batches + ",2,9\n");
            Cli.Result file = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--from-file", csv.toString(), "--execute"));
            assertThat(file.exit()).as(file.toString()).isZero();
            assertThat(file.out()).contains("offset 9 clamped to [0, 4]");
            assertThat(ops.committed(ops.group(), batches)).isEqualTo(Map.of(0, 0L, 1, 3L, 2, 4L));

            Cli.Result badFile = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--from-file",
                    java.nio.file.Files.writeString(csv, "other.topic,0,1\n").toString()));
            assertThat(badFile.exit()).isEqualTo(2);
            assertThat(badFile.err()).contains(":1: 'other.topic,0,1' is for topic other.topic, not " + batches);
            Cli.Result badTopic = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--topic", batches + ":x", "--to-latest"));
            assertThat(badTopic.exit()).isEqualTo(2);
            assertThat(badTopic.err()).contains("'x' is not a partition number; valid: TOPIC or TOPIC:0,1,2");
            Cli.Result both = Cli.run(new ReplayCommand(), ops.args("--group", ops.group(), "--to-latest", "--dry-run", "--execute"));
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.err()).contains("--execute and --dry-run contradict each other");
        }
    }

    /** Three records on each partition; {@code stamp.apply(i)} is the i-th record's timestamp (null: now). */
    private static List<ProducerRecord<byte[], byte[]>> records(String topic, int perPartition,
                                                                java.util.function.IntFunction<Instant> stamp) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        for (int p = 0; p < OpsFixture.PARTITIONS; p++) {
            for (int i = 0; i < perPartition; i++) {
                Instant t = stamp.apply(i);
                out.add(new ProducerRecord<>(topic, p, t == null ? null : t.toEpochMilli(), utf8("k" + p + "-" + i), utf8("{}")));
            }
        }
        return out;
    }

    private static List<List<String>> rows(String out) {
        List<List<String>> rows = new ArrayList<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) {
            rows.add(IntStream.rangeClosed(1, 6).mapToObj(i -> m.group(i).strip()).toList());
        }
        return rows;
    }

    private static Map<Integer, Long> targets(String out) {
        Map<Integer, Long> t = new TreeMap<>();
        rows(out).forEach(r -> t.put(Integer.parseInt(r.get(0)), Long.parseLong(r.get(2))));
        return t;
    }
}
