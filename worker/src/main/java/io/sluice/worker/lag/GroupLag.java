package io.sluice.worker.lag;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.kafka.GroupOffsets;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker group's lag on the batch topic as the brokers see it: per partition, the end offset minus
 * the group's committed offset (the earliest offset where it committed none), summed. Unlike the
 * consumer's own {@code records_lag_max}, it keeps counting on paused partitions and while no worker
 * runs, which is when an on-call engineer needs it. Exported as {@code sluice.worker.group.lag}
 * (batches, tags {@code group}, {@code topic}); -1 while it cannot be read. Every worker exports the
 * same value: aggregate with {@code max}, not {@code sum}.
 */
public final class GroupLag implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupLag.class);
    private final Admin admin;
    private final String group;
    private final String topic;
    private final Duration timeout;
    private final AtomicLong lag = new AtomicLong(-1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-group-lag");
        t.setDaemon(true);
        return t;
    });

    public GroupLag(Admin admin, String group, String topic, Duration timeout, MeterRegistry registry) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
        this.timeout = timeout;
        Gauge.builder("sluice.worker.group.lag", lag, AtomicLong::get).tag("group", group).tag("topic", topic)
                .description("Batches in the topic the group has not committed past (broker side; -1 = unknown)")
                .register(registry);
    }

    /** Refreshes every {@code period} in the background until closed. */
    public GroupLag every(Duration period) {
        timer.scheduleWithFixedDelay(this::refresh, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads the offsets now; returns the lag, or -1 (and keeps -1 in the gauge) when they cannot be read. */
    public long refresh() {
        try {
            long total = GroupOffsets.lag(admin, group, topic, timeout);
            lag.set(total);
            return total;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("cannot read the lag of group {} on {}: {}", group, topic, e.toString());
        }
        lag.set(-1);
        return -1;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
