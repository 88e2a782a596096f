package io.sluice.chaos;

import io.sluice.kafka.TopicReader;

import io.sluice.config.SluiceConfig;
import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.messages.Batch;
import io.sluice.messages.DeadLetterHeaders;
import io.sluice.messages.MessageCodec;
import io.sluice.messages.PoisonRecordException;
import io.sluice.job.BadAnswerException;
import io.sluice.job.Job;
import io.sluice.local.SimulatorTruth;
import io.sluice.messages.Window;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The end-of-run checks on what the topics hold: every org's latest result is what its job computes
 * independently from the synthetic data over the run's window ({@link Job#mismatch}); the dead-letter topic
 * holds exactly the poison records produced; the workers committed every batch partition to its end.
 */
record Verdict(int orgsWithResults, List<Long> lost, List<Long> wrong, int deadLetters,
               List<String> unexpectedDeadLetters, List<String> missingDeadLetters, List<String> uncommitted,
               List<String> violations, int duplicateResults, int duplicateDeadLetters, int republishedOrgs,
               List<Long> regressed) {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    static Verdict check(TopicReader reader, SluiceConfig cfg, Job job, String resultsTopic, SyntheticData data, String runId,
                         int orgs, List<String> poisonKeys) throws Exception {
        SluiceConfig.Topics topics = cfg.kafka().topics();
        io.sluice.job.GroundTruth truth = SimulatorTruth.of(data);
        List<String> violations = new ArrayList<>();

        Set<Window> windows = new LinkedHashSet<>();
        // How many batch records carry each org: more than one when the orchestrator published a batch again
        // (it resumes from the progress in Redis, which a Redis data loss takes back). Each record's output
        // appears once; those repeats are input, counted apart from the workers' duplicates.
        Map<Long, Integer> carried = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : reader.readAll(topics.batches(), READ_TIMEOUT)) {
            try {
                Batch b = MessageCodec.decodeBatch(r.value());
                if (b.runId().equals(runId)) {
                    windows.add(b.window());
                    b.orgIds().forEach(org -> carried.merge(org, 1, Integer::sum));
                }
            } catch (PoisonRecordException e) {
                // one of ours, checked against the dead-letter topic below
            }
        }
        if (windows.isEmpty()) {
            violations.add("no batch of run " + runId + " on " + topics.batches());
        } else if (windows.size() > 1) {
            violations.add("the run's batches carry " + windows.size() + " windows (a restart crossed midnight UTC?): " + windows);
        }

        Window runWindow = windows.isEmpty() ? null : windows.iterator().next();
        Map<Long, byte[]> latest = new HashMap<>();
        Map<Long, java.time.Instant> latestEnd = new HashMap<>();
        Map<Long, java.time.Instant> newestEnd = new HashMap<>();
        Set<Long> regressed = new TreeSet<>();
        Map<String, Integer> resultSeen = new HashMap<>();
        int duplicateResults = 0;
        for (ConsumerRecord<byte[], byte[]> r : reader.readAll(resultsTopic, READ_TIMEOUT)) {
            Job.Stamp stamp;
            try {
                stamp = job.stamp(r.key(), r.value());
            } catch (BadAnswerException e) {
                violations.add("not a " + job.name() + " result on " + resultsTopic + " at " + r.partition() + "@" + r.offset()
                        + ": " + e.getMessage());
                continue;
            }
            latest.put(stamp.orgId(), r.value());   // per partition in offset order: the last one wins
            latestEnd.put(stamp.orgId(), stamp.windowEnd());
            // Results never regress: once an org has a window's result, no older window's may follow it.
            java.time.Instant before = newestEnd.merge(stamp.orgId(), stamp.windowEnd(), (a, b) -> a.isAfter(b) ? a : b);
            if (stamp.windowEnd().isBefore(before)) {
                regressed.add(stamp.orgId());
            }
            if (runWindow == null || !stamp.windowEnd().equals(runWindow.end())) {
                continue;   // the older-window replay's results count only as regressions
            }
            int n = resultSeen.merge(stamp.orgId() + "/" + stamp.windowEnd(), 1, Integer::sum);
            if (n > Math.max(1, carried.getOrDefault(stamp.orgId(), 1))) {
                duplicateResults++;   // more results than batch records carrying the org: a batch's output written twice
            }
        }
        int republished = carried.values().stream().mapToInt(c -> c - 1).sum();
        List<Long> lost = new ArrayList<>();
        List<Long> wrong = new ArrayList<>();
        for (long org = 1; org <= orgs; org++) {
            byte[] result = latest.get(org);
            if (result == null) {
                lost.add(org);
                continue;
            }
            if (runWindow == null || !latestEnd.get(org).equals(runWindow.end())
                    || job.mismatch(new Job.Work(runId, org, runWindow), result, truth) != null) {
                wrong.add(org);
            }
        }
        if (!regressed.isEmpty()) {
            violations.add(regressed.size() + " orgs' results regressed (an older window's result after a newer one), e.g. "
                    + regressed.stream().limit(10).toList());
        }
        if (!lost.isEmpty()) {
            violations.add(lost.size() + " orgs have no result, e.g. " + lost.subList(0, Math.min(10, lost.size())));
        }
        if (!wrong.isEmpty()) {
            violations.add(wrong.size() + " orgs' latest result differs from the expected projection, e.g. "
                    + wrong.subList(0, Math.min(10, wrong.size())));
        }

        List<ConsumerRecord<byte[], byte[]>> dead = reader.readAll(topics.deadLetter(), READ_TIMEOUT);
        Set<String> seen = new TreeSet<>();
        List<String> unexpected = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String key = r.key() == null ? "<null>" : new String(r.key(), StandardCharsets.UTF_8);
            String reason = header(r, DeadLetterHeaders.REASON);
            seen.add(key);
            if (!poisonKeys.contains(key) || !"poison".equals(reason)) {
                unexpected.add(key + " (" + reason + ": " + header(r, DeadLetterHeaders.ERROR) + ")");
            }
        }
        List<String> missing = poisonKeys.stream().filter(k -> !seen.contains(k)).toList();
        if (!unexpected.isEmpty()) {
            violations.add(unexpected.size() + " dead letters that are not our poison records: "
                    + unexpected.subList(0, Math.min(10, unexpected.size())));
        }
        if (!missing.isEmpty()) {
            violations.add("poison records never dead-lettered: " + missing);
        }

        List<String> uncommitted = new ArrayList<>();
        reader.committedVsEnd(cfg.kafka().consumer().get("group.id")).forEach((partition, ce) -> {
            if (ce[0] != ce[1]) {
                uncommitted.add(partition + ": " + ce[0] + "/" + ce[1]);
            }
        });
        if (!uncommitted.isEmpty()) {
            violations.add("batch partitions not committed to their end (partition: committed/end): " + uncommitted);
        }
        // Output is exactly once for a read_committed reader (worker.exactly-once, the default): a record seen
        // twice is a violation. With it off, output is at least once and duplicates are only counted.
        int duplicateDeadLetters = dead.size() - seen.size();
        if (cfg.worker().exactlyOnce() && (duplicateResults > 0 || duplicateDeadLetters > 0)) {
            violations.add("output is exactly once, yet a read_committed reader saw " + duplicateResults
                    + " duplicate results and " + duplicateDeadLetters + " duplicate dead letters");
        }
        return new Verdict(latest.size(), lost, wrong, dead.size(), unexpected, missing, uncommitted, violations,
                duplicateResults, duplicateDeadLetters, republished, List.copyOf(regressed));
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
