package io.sluice.embedded;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Kafka broker and one Redis server per test JVM, started on first use and stopped by a
 * shutdown hook, so that a module's tests share them instead of paying a start each.
 *
 * <p>The broker (DESIGN 11, one provider for every integration test), logged once per JVM:
 * an existing cluster when {@code SLUICE_TEST_KAFKA_BOOTSTRAP=host:port} names one; else
 * Testcontainers' Kafka where a Docker engine answers; else the in-process KRaft {@link EmbeddedKafka}.
 * Tests that share these servers must
 * isolate themselves by name ({@link #uniqueName(String)} for topics, groups and key prefixes)
 * and must not stop or restart them; a test that needs to restart a server starts its own.
 */
public final class SharedServers {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);

    private SharedServers() {}

    /** The JVM-wide broker, started (or found) on first call. */
    public static TestBroker kafka() {
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

    /** The provider's choice for this value of SLUICE_TEST_KAFKA_BOOTSTRAP (null: none), started if it is ours to start. */
    static TestBroker chooseBroker(String external) {
        if (external != null && !external.isBlank()) {
            return new ExternalBroker(external.trim());
        }
        if (ContainerBroker.dockerAnswers()) {
            return ContainerBroker.start();
        }
        EmbeddedKafka kafka = EmbeddedKafka.builder().build();
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "shared-kafka-stop"));
        return kafka;
    }

    // Holder classes: the JVM's class initialization makes the first start lazy and happen once.
    private static final class KafkaHolder {
        static final TestBroker KAFKA = announce(chooseBroker(System.getenv("SLUICE_TEST_KAFKA_BOOTSTRAP")));

        private static TestBroker announce(TestBroker broker) {
            // stderr, not a logger: test logging is WARN-level, and which broker ran must always show.
            System.err.println("SharedServers: integration tests run against " + broker.describe());
            return broker;
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
