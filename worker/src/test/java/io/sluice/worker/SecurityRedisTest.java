package io.sluice.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.FreePorts;
import io.sluice.embedded.RedisBinary;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.Acquisition;
import io.sluice.slots.SlotPool;
import io.sluice.worker.gate.Gates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The slot pool against a Redis that demands credentials: {@code requirepass}, an ACL user, and TLS
 * ({@code rediss://}) with a CA made by the test. Each grants end to end through the worker's own
 * wiring ({@link Gates#pool}); wrong credentials fail with an error that does not print them.
 */
class SecurityRedisTest {
    @TempDir
    Path dir;

    private static SluiceConfig config(String uri) {
        return new ConfigLoader().load(null, Map.of(), Map.of("redis.uri", uri, "slots.pool", SharedServers.uniqueName("sec"),
                "slots.limit", "2", "slots.assume-new-pool", "true"));
    }

    /** Connects through the worker's wiring, takes a slot, checks the pool counts it, gives it back. */
    private static void grantsASlot(String uri) {
        try (SlotPool pool = Gates.pool(config(uri), "security-test", new SimpleMeterRegistry())) {
            Acquisition a = pool.acquireBlocking("owner-1", Duration.ofSeconds(5));
            assertThat(a).isInstanceOf(Acquisition.Granted.class);
            assertThat(pool.status().inUse()).isEqualTo(1);
            pool.release(((Acquisition.Granted) a).lease()).join();
            assertThat(pool.status().inUse()).isZero();
        }
    }

    /** Opening the pool fails; neither the message nor any cause in the stack trace shows {@code secret}. */
    private static Throwable failsWithout(String uri, String secret) {
        Throwable e = catchThrowable(() -> Gates.pool(config(uri), "security-test", new SimpleMeterRegistry()).close());
        assertThat(e).as("connecting with %s", uri.replace(secret, "<secret>")).isNotNull();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(secret);
        return e;
    }

    @Test
    void requirepassGrantsWithThePasswordAndRefusesWithoutIt() {
        try (EmbeddedRedis redis = EmbeddedRedis.builder().password("redis-pw-Q7x").build().start()) {
            grantsASlot(redis.uri());
            String host = "127.0.0.1:" + redis.port();
            assertThat(failsWithout("redis://" + host, "redis-pw-Q7x")).hasStackTraceContaining("NOAUTH");
            failsWithout("redis://:wrong-pw-Z3k@" + host, "wrong-pw-Z3k");
        }
    }

    @Test
    void anAclUserGrantsAndTheDefaultUserIsOff() {
        try (EmbeddedRedis redis = EmbeddedRedis.builder()
                .arg("--user", "sluice", "on", ">acl-pw-M4t", "~sluice:*", "&*", "+@all")
                .arg("--user", "default", "off")
                .build().start()) {
            String host = "127.0.0.1:" + redis.port();
            grantsASlot("redis://sluice:acl-pw-M4t@" + host);
            failsWithout("redis://sluice:wrong-acl-pw-R2@" + host, "wrong-acl-pw-R2");
            failsWithout("redis://" + host, "acl-pw-M4t");
        }
    }

    @Test
    void tlsWithAPasswordGrantsAndThePortSpeaksOnlyTls() throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        int tlsPort = FreePorts.pick();
        EmbeddedRedis redis = EmbeddedRedis.builder().password("tls-redis-pw-P9")
                .arg("--tls-port", Integer.toString(tlsPort),
                        "--tls-cert-file", certs.serverCertPem().toString(),
                        "--tls-key-file", certs.serverKeyPem().toString(),
                        "--tls-ca-cert-file", certs.caPem().toString(),
                        "--tls-auth-clients", "no")
                .build();
        try {
            redis.start();
        } catch (IllegalStateException e) {
            String log = Files.exists(redis.logFile()) ? Files.readString(redis.logFile()) : e.getMessage();
            assumeTrue(!log.toLowerCase().contains("tls"), "this redis-server (" + RedisBinary.resolve() + ") was built without TLS: " + log);
            throw e;
        }
        // Peer verification is on: without the test CA in the trust store the handshake is refused.
        assertThat(failsWithout("rediss://:tls-redis-pw-P9@127.0.0.1:" + tlsPort, "tls-redis-pw-P9"))
                .hasStackTraceContaining("PKIX");
        // Clients trust the test CA the way a deployment would: the JVM's trust store (SLUICE_JAVA_OPTS).
        Map<String, String> saved = TrustStore.use(certs);
        try (redis) {
            grantsASlot("rediss://:tls-redis-pw-P9@127.0.0.1:" + tlsPort);
            failsWithout("redis://:tls-redis-pw-P9@127.0.0.1:" + tlsPort, "tls-redis-pw-P9");   // plain text to the TLS port
            failsWithout("rediss://:wrong-tls-pw-K1@127.0.0.1:" + tlsPort, "wrong-tls-pw-K1");
        } finally {
            TrustStore.restore(saved);
        }
    }

    /** Sets (and restores) the javax.net.ssl trust store properties the JDK's default trust manager reads. */
    static final class TrustStore {
        private static final String[] KEYS = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};

        static Map<String, String> use(TestCertificates certs) {
            Map<String, String> saved = new java.util.HashMap<>();
            for (String k : KEYS) {
                saved.put(k, System.getProperty(k));
            }
            System.setProperty(KEYS[0], certs.trustStore().toString());
            System.setProperty(KEYS[1], certs.trustStorePassword());
            System.setProperty(KEYS[2], "PKCS12");
            return saved;
        }

        static void restore(Map<String, String> saved) {
            saved.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }
}
