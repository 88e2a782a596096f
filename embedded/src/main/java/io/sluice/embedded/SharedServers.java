package io.sluice.embedded;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Kafka broker and one Redis server per test JVM, started on first use and stopped by a
 * shutdown hook, so that a module's tests share them instead of paying a start each.
 *
 * <p>The broker is the in-process KRaft {@link EmbeddedKafka}: this project's tests run where no
 * Docker engine exists, so there is no Testcontainers path here; the in-process broker is what
 * a Testcontainers-based setup would fall back to anyway. Tests that share these servers must
 * isolate themselves by name ({@link #uniqueName(String)} for topics, groups and key prefixes)
 * and must not stop or restart them; a test that needs to restart a server starts its own.
 */
public final class SharedServers {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);

    private SharedServers() {}

    /** The JVM-wide broker, started on first call. */
    public static EmbeddedKafka kafka() {
        return KafkaHolder.KAFKA;
    }

    /** The JVM-wide Redis (no password, no persistence), started on first call. */
    public static EmbeddedRedis redis() {
        return RedisHolder.REDIS;
    }

    /**
     * A name no other call in this JVM (nor, very likely, an earlier run against the same
     * servers) returns: {@code prefix-<run>-<n>}, safe as a Kafka topic, group id or Redis key prefix.
     */
    public static String uniqueName(String prefix) {
        String clean = prefix == null || prefix.isBlank() ? "t"
                : prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        return clean + "-" + RUN + "-" + SEQUENCE.incrementAndGet();
    }

    // Holder classes: the JVM's class initialization makes the first start lazy and happen once.
    private static final class KafkaHolder {
        static final EmbeddedKafka KAFKA = startWithHook(EmbeddedKafka.builder().build());

        private static EmbeddedKafka startWithHook(EmbeddedKafka kafka) {
            kafka.start();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "shared-kafka-stop"));
            return kafka;
        }
    }

    private static final class RedisHolder {
        static final EmbeddedRedis REDIS = startWithHook(EmbeddedRedis.builder().build());

        private static EmbeddedRedis startWithHook(EmbeddedRedis redis) {
            redis.start();
            Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "shared-redis-stop"));
            return redis;
        }
    }
}
