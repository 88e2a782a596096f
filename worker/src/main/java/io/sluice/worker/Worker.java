package io.sluice.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.sluice.config.SluiceConfig;
import io.sluice.kafka.KafkaClients;
import io.sluice.job.Job;
import io.sluice.job.Jobs;
import io.sluice.retry.Backoff;
import io.sluice.snuba.SnubaClient;
import io.sluice.snuba.SnubaSettings;
import io.sluice.worker.gate.SlotGate;
import io.sluice.kafka.TopicReader;
import io.sluice.worker.sink.ResultGuard;
import io.sluice.worker.sink.ResultGuards;
import io.sluice.worker.sink.WatermarkRebuild;
import io.sluice.worker.sink.Watermarks;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.sluice.slots.SlotPool;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * One worker: wires consumer, gate, Snuba client, the jobs and sinks by hand and runs the poll loop
 * on its own thread. It serves every job on its class path, from one batches topic and one slot pool. {@code sluice worker} runs one per process; {@code sluice local} and tests run several.
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private final String id;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SnubaClient snuba;
    private final SlotGate gate;
    private final ResultGuards guard;
    private final WorkerLoop loop;
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    private final KafkaClientMetrics consumerMetrics;
    private final KafkaClientMetrics producerMetrics;

    /** Builds everything for the jobs on the class path, validating settings first; connects nothing until {@link #start()}. */
    public Worker(String id, SluiceConfig config, SlotGate gate, MeterRegistry registry) {
        this(id, config, Jobs.configured(config), gate, registry);
    }

    /** As above, for these (configured) jobs. */
    public Worker(String id, SluiceConfig config, Jobs jobs, SlotGate gate, MeterRegistry registry) {
        this.id = id;
        this.gate = gate;
        SluiceConfig.Snuba s = config.snuba();
        SluiceConfig.Retry r = config.worker().retry();
        this.consumer = KafkaClients.consumer(config.kafka(), "sluice-" + id);
        boolean exactlyOnce = config.worker().exactlyOnce();
        // A transactional id of its own per process (as Kafka Streams' process id): two workers never fence
        // each other by mistake; a killed one's open transaction is aborted by the broker after its timeout.
        Map<String, Object> producerProps = exactlyOnce
                ? KafkaClients.transactionalProducerProps(config.kafka(), "sluice-" + id,
                        "sluice-worker-" + id + "-" + Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36))
                : KafkaClients.producerProps(config.kafka(), "sluice-" + id);
        try {
            this.producer = KafkaClients.producer(producerProps);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        this.snuba = new SnubaClient(new SnubaSettings(s.url(), s.dataset(), s.referrer(), s.timeout()), registry);
        snuba.onAnswer(gate::observe);   // the adaptive limit's signal (ignored unless slots.adaptive)
        // Results never regress: per job, per-org watermarks and publish locks in Redis (connected on first use),
        // keyed by the job's results topic. Lost watermarks (epoch missing) are rebuilt from that topic, their truth,
        // before any org of the job runs.
        Duration lockTtl = ResultGuard.lockTtl(producerProps);
        Map<String, ResultGuard> guards = new HashMap<>();
        Map<String, JobRoute> routes = new HashMap<>();
        for (Job job : jobs.all()) {
            var settings = Jobs.settings(config, job.name());
            String topic = job.resultsTopic(settings);
            Watermarks watermarks = new Watermarks(config.redis().uri(), config.redis().timeout(), topic);
            WatermarkRebuild rebuild = new WatermarkRebuild(watermarks,
                    new TopicReader(config.kafka()).readerProps("sluice-" + id + "-watermarks-" + job.name()), topic, job, lockTtl,
                    System::nanoTime);
            guards.put(job.name(), new ResultGuard(watermarks, rebuild, lockTtl, System::nanoTime));
            routes.put(job.name(), JobRoute.of(job, topic, job.slotClass(settings), registry));
        }
        this.guard = new ResultGuards(guards);
        LOG.info("worker {}: jobs {}; result watermarks on Redis, publish lock TTL {}", id, jobs.names(), lockTtl);
        OrgProcessor processor = new OrgProcessor(snuba, routes, guard, config.kafka().topics().deadLetter(),
                Backoff.exponentialWithFullJitter(r.initialBackoff(), r.maxBackoff()), r.maxAttempts(),
                config.downstream().maxQueryTime(), InstantSource.system(), System::nanoTime, new SplittableRandom(), registry);
        processor.classes(gate::declaresClass);
        // A refused org waits in the pool's queue for as long as this worker lives (its heartbeat keeps the
        // ticket), never on a timer that would send it to the back of the line.
        Duration slotWait = SlotPool.UNTIL_GRANTED;
        Flusher flusher = new Flusher(consumer, producer, guard, exactlyOnce, Flusher.INTERVAL, Flusher.MAX_BACKOFF, System::nanoTime, registry);
        LOG.info("worker {}: output {}", id, exactlyOnce ? "exactly once (Kafka transactions with the consumed offsets)"
                : "at least once (worker.exactly-once: false)");
        this.loop = new WorkerLoop(id, consumer, config.kafka().topics().batches(), gate, processor,
                flusher, config.kafka().topics().deadLetter(), config.worker().maxInFlight(),
                slotWait, config.worker().shutdownGrace(), System::nanoTime, registry);
        this.consumerMetrics = new KafkaClientMetrics(consumer);
        this.producerMetrics = new KafkaClientMetrics(producer);
        consumerMetrics.bindTo(registry);
        producerMetrics.bindTo(registry);
        this.thread = Thread.ofPlatform().name("sluice-poll-" + id).unstarted(loop);
    }

    public Worker start() {
        thread.start();
        return this;
    }

    public String id() {
        return id;
    }

    public WorkerLoop loop() {
        return loop;
    }

    /** Graceful stop: in-flight orgs get the grace period, finished work is committed, clients closed. */
    @Override
    public void close() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        loop.stop();
        try {
            if (thread.isAlive() && !loop.awaitStopped(Duration.ofMinutes(5))) {
                LOG.warn("worker {} did not stop in time", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeClients();
    }

    /**
     * Stops as if the process was killed: no commit, no lease released (the pool reclaims the slots
     * within the lease TTL), in-flight queries abandoned. For tests and chaos drills.
     */
    public void crash() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        gate.abandon();
        loop.crash();
        try {
            loop.awaitStopped(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumerMetrics.close();
        producerMetrics.close();
        producer.close(Duration.ZERO);
        snuba.close();
        guard.close();
    }

    private void closeClients() {
        consumerMetrics.close();
        producerMetrics.close();
        producer.close(ShutdownBudget.PRODUCER_CLOSE);
        snuba.close();
        guard.close();
        if (loop.abandonedSlots()) {
            gate.abandon();   // queries the downstream may still run hold their slots until their leases lapse
        } else {
            gate.close();
        }
    }
}
