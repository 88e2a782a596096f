package io.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The whole configuration (DESIGN section 3), bound and validated by {@link ConfigLoader}.
 * Each component reads only its own section.
 */
public record SluiceConfig(Kafka kafka, Redis redis, Slots slots, Snuba snuba, Downstream downstream,
                           Orchestrator orchestrator, Worker worker, Projection projection, Metrics metrics,
                           Map<String, Map<String, String>> jobs) {

    public SluiceConfig {
        jobs = Map.copyOf(jobs);
    }

    /** One job's own settings ({@code jobs.<job>.*}, keys without the prefix); empty when none are set. */
    public Map<String, String> jobSettings(String job) {
        return jobs.getOrDefault(job, Map.of());
    }

    /** The same configuration with other Kafka settings (e.g. the group protocol chosen at start). */
    public SluiceConfig withKafka(Kafka other) {
        return new SluiceConfig(other, redis, slots, snuba, downstream, orchestrator, worker, projection, metrics, jobs);
    }

    public record Topics(String batches, String results, String deadLetter, int partitions, short replicationFactor) {
    }

    /** {@code common}, {@code producer} and {@code consumer} are Kafka client properties passed through unchanged. */
    public record Kafka(String bootstrapServers, Topics topics, Map<String, String> common,
                        Map<String, String> producer, Map<String, String> consumer) {
        public Kafka {
            common = Map.copyOf(common);
            producer = Map.copyOf(producer);
            consumer = Map.copyOf(consumer);
        }

        /** Secret client settings (sasl.jaas.config, ssl.*.password, ...) masked: configs end up in logs and errors. */
        @Override
        public String toString() {
            return "Kafka[bootstrapServers=" + bootstrapServers + ", topics=" + topics + ", common=" + Redaction.settings(common)
                    + ", producer=" + Redaction.settings(producer) + ", consumer=" + Redaction.settings(consumer) + "]";
        }
    }

    public record Redis(String uri, Duration timeout) {
        /** The URI with any password masked, for logs and error messages. */
        public String redactedUri() {
            return Redaction.uri(uri);
        }

        @Override
        public String toString() {
            return "Redis[uri=" + redactedUri() + ", timeout=" + timeout + "]";
        }
    }

    /**
     * {@code adaptive}: the live limit follows the downstream between {@code minLimit} and {@code maxLimit}.
     * {@code slotClass} ({@code slots.class}): the class of the pool this worker takes its slots in unless a
     * batch names one; null ({@code default}) for the pool's first class.
     */
    public record Slots(String pool, int limit, Duration leaseTtl, Duration renewEvery, boolean enabled, boolean assumeNewPool,
                        boolean adaptive, int minLimit, int maxLimit, String slotClass) {
    }

    public record Snuba(URI url, String dataset, String referrer, Duration timeout) {
    }

    /**
     * The downstream's own limits. {@code maxQueryTime} is its time limit per query (Snuba/ClickHouse
     * {@code max_execution_time}): a query nobody waits for any more may run that long after it started,
     * so its slot stands for it until then, and {@code slots.lease-ttl} is at least this long.
     */
    public record Downstream(Duration maxQueryTime) {
    }

    /**
     * {@code finishWithin} and {@code maxBacklog} are zero when unbounded; {@code queryTime} is the
     * expected downstream time per org; {@code leaseTtl} bounds how long a crashed orchestrator
     * keeps its run.
     */
    public record Orchestrator(int batchSize, Duration pacing, Duration finishWithin, long maxBacklog,
                               Duration queryTime, Duration leaseTtl) {
        public Orchestrator(int batchSize, Duration pacing) {
            this(batchSize, pacing, Duration.ZERO, 0, Duration.ofSeconds(1), Duration.ofSeconds(30));
        }
    }

    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    }

    /** {@code exactlyOnce}: results, dead letters and consumed offsets in one Kafka transaction per flush. */
    public record Worker(int maxInFlight, Duration shutdownGrace, Retry retry, boolean exactlyOnce) {
        public Worker(int maxInFlight, Duration shutdownGrace, Retry retry) {
            this(maxInFlight, shutdownGrace, retry, true);
        }
    }

    /** The spike-projection job's settings, under the name they had before jobs were plug-ins. */
    public record Projection(int historyDays, long multiplier, long floor) {
    }

    public record Metrics(String bind, int port) {
    }
}
