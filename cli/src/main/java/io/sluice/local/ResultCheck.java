package io.sluice.local;

import io.sluice.config.SluiceConfig;
import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.job.BadAnswerException;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job;
import io.sluice.kafka.TopicReader;
import io.sluice.ledger.RedisRunLedger;
import io.sluice.ledger.RunRecord;
import io.sluice.messages.Window;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a run's results compare with the simulator's own data, org by org, through the job's own check: orgs
 * exact, orgs wrong (with why), and orgs with no result.
 */
public record ResultCheck(String job, long exact, List<String> wrong, long missing) {

    public boolean allExact() {
        return wrong.isEmpty() && missing == 0;
    }

    /**
     * Reads the job's results topic ({@code read_committed}) and checks each of orgs {@code 1..orgs}'s latest result
     * over the run's window (from its ledger record).
     */
    static ResultCheck of(SluiceConfig cfg, Job job, String topic, SyntheticData data, String runId, int orgs)
            throws BadAnswerException {
        Map<Long, byte[]> latest = new HashMap<>();
        Map<Long, Instant> ends = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : new TopicReader(cfg.kafka()).readAll(topic, Duration.ofSeconds(60))) {
            Job.Stamp stamp = job.stamp(r.key(), r.value());
            latest.put(stamp.orgId(), r.value());
            ends.put(stamp.orgId(), stamp.windowEnd());
        }
        Window window;
        try (RedisRunLedger ledger = new RedisRunLedger(cfg.redis().uri(), Duration.ofSeconds(2))) {
            window = ledger.find(runId).map(RunRecord::window).orElseThrow(() -> new IllegalStateException("run " + runId + " has no record"));
        }
        GroundTruth truth = SimulatorTruth.of(data);
        long exact = 0;
        long missing = 0;
        List<String> wrong = new ArrayList<>();
        for (long org = 1; org <= orgs; org++) {
            byte[] value = latest.get(org);
            if (value == null) {
                missing++;
                continue;
            }
            String why = !ends.get(org).equals(window.end()) ? "window ends " + ends.get(org) + ", expected " + window.end()
                    : job.mismatch(new Job.Work(runId, org, window), value, truth);
            if (why == null) {
                exact++;
            } else {
                wrong.add("org " + org + ": " + why);
            }
        }
        return new ResultCheck(job.name(), exact, wrong, missing);
    }
}
