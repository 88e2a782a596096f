package io.sluice.worker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import io.sluice.embedded.EmbeddedKafka;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.kafka.KafkaClients;
import io.sluice.metrics.HealthState;
import io.sluice.metrics.MetricsServer;
import io.sluice.worker.gate.Gates;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A worker against a SASL/PLAIN broker (its own, not the shared one) and a password-protected Redis,
 * configured only through {@code kafka.common} and {@code redis.uri}: it consumes and produces end to
 * end, and none of the secrets ever shows up in logs (every logger at INFO or lower, stricter than
 * production's WARN for Kafka and Lettuce), stdout/stderr, exceptions, the config's toString or {@code /metrics}.
 */
class SecurityEndToEndTest {
    private static final String SASL_PW = "sasl-secret-V8q";
    private static final String REDIS_PW = "redis-secret-J5w";
    private static final String WRONG_SASL_PW = "wrong-sasl-N2c";
    private static final String WRONG_REDIS_PW = "wrong-redis-H6d";
    private static final List<String> SECRETS = List.of(SASL_PW, REDIS_PW, WRONG_SASL_PW, WRONG_REDIS_PW);

    private static EmbeddedKafka kafka;
    private static EmbeddedRedis redis;
    private static SnubaSimulator sim;

    @BeforeAll
    static void servers() {
        kafka = EmbeddedKafka.builder().listener("SASL", "SASL_PLAINTEXT")
                .brokerProperty("sasl.enabled.mechanisms", "PLAIN")
                .brokerProperty("listener.name.sasl.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required "
                                + "user_sluice=\"" + SASL_PW + "\";")
                .build().start();
        redis = EmbeddedRedis.builder().password(REDIS_PW).build().start();
        sim = new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(100)
                .withLatency(LatencyModel.fixed(Duration.ofMillis(5)))).start();
    }

    @AfterAll
    static void stop() {
        sim.close();
        redis.close();
        kafka.close();
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"sluice\" password=\"" + password + "\";";
    }

    /** Only the secured listener and the password URI: what a deployment's config file would hold. */
    private static Map<String, String> secured(String saslPassword, String redisUri) {
        Map<String, String> o = new HashMap<>();
        o.put("kafka.bootstrap-servers", kafka.bootstrapServers("SASL"));
        o.put("kafka.common.security.protocol", "SASL_PLAINTEXT");
        o.put("kafka.common.sasl.mechanism", "PLAIN");
        o.put("kafka.common.sasl.jaas.config", jaas(saslPassword));
        o.put("kafka.topics.partitions", "2");
        o.put("redis.uri", redisUri);
        return o;
    }

    @Test
    void aWorkerOverSaslAndRedisAuthConsumesAndProducesEndToEnd() throws Exception {
        try (StackFixture stack = new StackFixture(sim.url(), secured(SASL_PW, redis.uri()))) {
            List<Long> orgs = LongStream.rangeClosed(1, 60).boxed().toList();
            stack.startWorker("sasl-w0");
            stack.publish("r-sasl", orgs, 20);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
            await().atMost(Duration.ofSeconds(30)).until(stack::committedToEnd);
        }
    }

    @Test
    void secretsNeverAppearInLogsExceptionsOrMetrics() throws Exception {
        Capture capture = Capture.start();
        List<String> outputs = new ArrayList<>();
        try {
            SluiceConfig config;
            try (StackFixture stack = new StackFixture(sim.url(), secured(SASL_PW, redis.uri()))) {
                config = stack.config;
                outputs.add(config.toString());
                outputs.add(config.kafka().toString());
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                Worker worker = stack.startWorker("secret-w0", registry);
                HealthState health = new HealthState().readiness("slot-pool", worker.loop()::gateHealthy)
                        .liveness("poll-loop", worker.loop()::live);
                try (MetricsServer metrics = MetricsServer.start("127.0.0.1", 0, registry, health)) {
                    List<Long> orgs = LongStream.rangeClosed(1, 40).boxed().toList();
                    stack.publish("r-secrets", orgs, 10);
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                            .until(() -> stack.resultsByOrg().keySet().containsAll(orgs));
                    HttpClient http = HttpClient.newHttpClient();
                    for (String path : List.of("/metrics", "/readyz", "/healthz")) {
                        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + path)).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        outputs.add(body);
                    }
                    assertThat(outputs.get(outputs.size() - 3)).contains("sluice_worker_orgs_total").contains("kafka_consumer");
                }
            }

            // Error paths: a wrong Redis password, a wrong SASL password (admin and a whole worker).
            String wrongRedis = "redis://:" + WRONG_REDIS_PW + "@127.0.0.1:" + redis.port();
            SluiceConfig badRedis = new ConfigLoader().load(null, Map.of(), secured(SASL_PW, wrongRedis));
            outputs.add(trace(catchThrowable(() -> Gates.open(badRedis, "wrong-redis", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).close())));

            // Its own pool on this Redis, declared by its first client (as tests and `sluice local` do): only SASL is wrong.
            Map<String, String> wrongSasl = new java.util.HashMap<>(secured(WRONG_SASL_PW, redis.uri()));
            wrongSasl.put("slots.assume-new-pool", "true");
            SluiceConfig badSasl = new ConfigLoader().load(null, Map.of(), wrongSasl);
            Throwable adminError = catchThrowable(() -> {
                try (Admin admin = KafkaClients.admin(badSasl.kafka())) {
                    KafkaClients.ensureTopics(admin, badSasl.kafka(), Duration.ofSeconds(10));
                }
            });
            assertThat(adminError).hasStackTraceContaining("Authentication failed");
            outputs.add(trace(adminError));

            PrometheusMeterRegistry r2 = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Worker refused = new Worker("wrong-sasl", badSasl, Gates.open(badSasl, "wrong-sasl", r2), r2).start();
            // The worker's own clients are refused (not just the admin client above): its transactional producer
            // registers first, then its consumer would subscribe ...
            await().atMost(Duration.ofSeconds(30)).until(() -> capture.text().lines()
                    .anyMatch(l -> l.contains("clientId=sluice-wrong-sasl") && l.contains("Authentication failed")));
            // ... and a poll loop the broker refuses ends and says so: /healthz fails, `sluice worker` exits 1.
            await().atMost(Duration.ofSeconds(30)).until(() -> refused.loop().failure() != null);
            assertThat(refused.loop().live()).isFalse();
            outputs.add(trace(refused.loop().failure()));
            refused.close();
            outputs.add(r2.scrape());
        } finally {
            capture.stop();
        }
        outputs.add(capture.text());

        assertThat(capture.text()).as("Kafka clients' INFO config dump was captured, password values hidden")
                .contains("sasl.jaas.config = [hidden]");
        for (String secret : SECRETS) {
            for (String out : outputs) {
                if (out.contains(secret)) {
                    int i = out.indexOf(secret);
                    throw new AssertionError("secret " + secret + " leaked: ..." + out.substring(Math.max(0, i - 300), Math.min(out.length(), i + 100)));
                }
            }
        }
    }

    private static String trace(Throwable e) {
        assertThat(e).isNotNull();
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Every log event (root at INFO, the in-process broker's own loggers kept quiet) and everything printed to stdout/stderr. */
    private static final class Capture {
        private static final List<String> QUIET_BROKER = List.of("kafka", "state.change.logger", "org.apache.kafka.server",
                "org.apache.kafka.controller", "org.apache.kafka.raft", "org.apache.kafka.metadata", "org.apache.kafka.image",
                "org.apache.kafka.coordinator", "org.apache.kafka.storage", "org.apache.kafka.queue");
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        private final PrintStream out = System.out;
        private final PrintStream err = System.err;
        private final Map<Logger, Level> levels = new LinkedHashMap<>();

        static Capture start() {
            Capture c = new Capture();
            LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
            Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
            c.set(root, Level.INFO);
            for (String name : List.of("io.sluice", "org.apache.kafka", "io.lettuce", "io.netty", "reactor")) {
                c.set(ctx.getLogger(name), Level.INFO);
            }
            QUIET_BROKER.forEach(name -> c.set(ctx.getLogger(name), Level.WARN));
            c.appender.setContext(ctx);
            c.appender.start();
            root.addAppender(c.appender);
            System.setOut(new PrintStream(new Tee(c.out, c.printed), true));
            System.setErr(new PrintStream(new Tee(c.err, c.printed), true));
            return c;
        }

        private void set(Logger logger, Level level) {
            levels.put(logger, logger.getLevel());
            logger.setLevel(level);
        }

        synchronized String text() {
            StringBuilder sb = new StringBuilder();
            for (ILoggingEvent e : List.copyOf(appender.list)) {
                sb.append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ").append(e.getFormattedMessage()).append('\n');
                if (e.getThrowableProxy() != null) {
                    sb.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
                }
            }
            synchronized (printed) {
                sb.append(printed.toString(StandardCharsets.UTF_8));
            }
            return sb.toString();
        }

        void stop() {
            System.setOut(out);
            System.setErr(err);
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            levels.forEach(Logger::setLevel);
        }
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final ByteArrayOutputStream b;

        Tee(OutputStream a, ByteArrayOutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            synchronized (b) {
                b.write(x);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
