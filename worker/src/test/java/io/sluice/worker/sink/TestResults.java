package io.sluice.worker.sink;

import io.sluice.jobs.spike.ProjectionCodec;
import io.sluice.jobs.spike.ProjectionResult;
import io.sluice.jobs.spike.SpikeProjectionJob;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Spike-projection results as the worker writes them, for tests of the engine's sinks. */
public final class TestResults {
    private TestResults() {
    }

    public static ProducerRecord<byte[], byte[]> record(String topic, ProjectionResult r) {
        return new ProducerRecord<>(topic, Long.toString(r.orgId()).getBytes(StandardCharsets.UTF_8), ProjectionCodec.encode(r));
    }

    public static ResultStamp stamp(ProjectionResult r) {
        return new ResultStamp(SpikeProjectionJob.NAME, r.orgId(), r.window().end());
    }

    /** One guard for the spike-projection job's results. */
    public static ResultGuards guards(ResultGuard guard) {
        return new ResultGuards(Map.of(SpikeProjectionJob.NAME, guard));
    }
}
