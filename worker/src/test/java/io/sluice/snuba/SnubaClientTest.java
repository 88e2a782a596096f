package io.sluice.snuba;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.messages.Window;
import io.sluice.snuba.ScriptedSnubaServer.Hold;
import io.sluice.snuba.ScriptedSnubaServer.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SnubaClientTest {
    private static final Window WEEK = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    private static final String REFERRER = "getsentry.get_spike_projections";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private ScriptedSnubaServer snuba;
    private SnubaClient client;

    @BeforeEach
    void start() throws Exception {
        snuba = new ScriptedSnubaServer();
        client = new SnubaClient(settings(snuba.url(), "outcomes", Duration.ofSeconds(5)), registry);
    }

    @AfterEach
    void stop() {
        snuba.close();
        client.close();
    }

    private static SnubaSettings settings(URI url, String dataset, Duration timeout) {
        return new SnubaSettings(url, dataset, REFERRER, timeout);
    }

    private static final io.sluice.job.Job SPIKE = new io.sluice.jobs.spike.SpikeProjectionJob();

    /** The spike-projection job's query for {@code org} over the test week. */
    private static io.sluice.job.Query q(long org) {
        return SPIKE.queries(new io.sluice.job.Job.Work("r", org, WEEK)).getFirst();
    }

    /** As {@link #q(long)}, for the job configured with another {@code snuba.dataset}. */
    private static io.sluice.job.Query q(long org, String dataset) {
        io.sluice.job.Job job = new io.sluice.jobs.spike.SpikeProjectionJob();
        job.configure(new io.sluice.job.JobSettings(job.name(), java.util.Map.of("snuba.dataset", dataset, "projection.history-days", "7")));
        return job.queries(new io.sluice.job.Job.Work("r", org, WEEK)).getFirst();
    }

    private SnubaOutcome query() throws Exception {
        return client.query(q(101)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private long count(String status) {
        Timer t = registry.find(SnubaClient.METRIC).tag("status", status).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void sendsTheContractRequest() throws Exception {
        snuba.then(200, "{\"data\":[],\"meta\":[]}");

        query();

        assertThat(snuba.received()).hasSize(1);
        ScriptedSnubaServer.Received r = snuba.received().get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/outcomes/snql");
        assertThat(r.referer()).isEqualTo(REFERRER);
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo("{\"query\":\"MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time"
                + " WHERE org_id = 101 AND timestamp >= toDateTime('2026-11-21T00:00:00')"
                + " AND timestamp < toDateTime('2026-11-28T00:00:00') AND outcome = 0 GRANULARITY 3600\","
                + "\"dataset\":\"outcomes\",\"app_id\":\"sluice\","
                + "\"tenant_ids\":{\"referrer\":\"getsentry.get_spike_projections\",\"organization_id\":101}}");
    }

    @Test
    void datasetNamesBothThePathAndTheEntityAndABasePathIsKept() throws Exception {
        try (SnubaClient other = new SnubaClient(settings(URI.create(snuba.url() + "/snuba/"), "outcomes_raw", WAIT), registry)) {
            snuba.then(200, "{\"data\":[]}");
            other.query(q(7, "outcomes_raw")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        ScriptedSnubaServer.Received r = snuba.received().get(0);
        assertThat(r.path()).isEqualTo("/snuba/outcomes_raw/snql");
        assertThat(r.body()).contains("\"query\":\"MATCH (outcomes_raw) SELECT").contains("org_id = 7 AND")
                .contains("\"dataset\":\"outcomes_raw\"").contains("\"organization_id\":7}");
    }

    @Test
    void readsAnswersInBuffersSizedForThemAndAnAnswerLargerThanOneWhole() throws Exception {
        assertThat(System.getProperty(SnubaClient.BUFSIZE_PROPERTY)).isEqualTo(Integer.toString(SnubaClient.BUFSIZE));
        StringBuilder body = new StringBuilder("{\"data\":[");
        int rows = 3 * SnubaClient.BUFSIZE / 60;   // about 3 buffers of rows in Snuba's own form
        for (int i = 0; i < rows; i++) {
            body.append(i == 0 ? "" : ",").append("{\"project_id\":").append(1 + i / 168).append(",\"time\":\"")
                    .append(Instant.parse("2026-11-21T00:00:00Z").plusSeconds(3_600L * (i % 168)).toString(), 0, 19)
                    .append("+00:00\",\"total\":").append(i).append('}');
        }
        String sent = body.append("],\"meta\":[]}").toString();
        snuba.then(200, sent);

        SnubaOutcome outcome = query();

        assertThat(outcome).isInstanceOf(SnubaOutcome.Ok.class);   // the whole body, for the job to read
        assertThat(new String(((SnubaOutcome.Ok) outcome).body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(sent);
    }

    @Test
    void aFinishedQueryLeavesNoDeadlineHoldingItsAnswer() throws Exception {
        snuba.then(200, "{\"data\":[]}").then(503, "{}");

        assertThat(query()).isInstanceOf(SnubaOutcome.Ok.class);
        assertThat(query()).isInstanceOf(SnubaOutcome.Failed.class);

        assertThat(client.pendingDeadlines()).isZero();   // not kept for snuba.timeout (5 s here) after the answer
    }

    @Test
    void aQueryAfterCloseFailsRatherThanThrows() throws Exception {
        client.close();

        SnubaOutcome outcome = client.query(q(101)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(outcome).isInstanceOf(SnubaOutcome.Failed.class);
    }

    @Test
    void parsesRowsAcceptingEveryUtcSpellingAndIgnoringExtraFields() throws Exception {
        snuba.then(200, """
                {"data":[
                  {"project_id":5,"time":"2026-11-21T00:00:00+00:00","total":1234,"extra":"ignored"},
                  {"project_id":5,"time":"2026-11-21T01:00:00Z","total":0},
                  {"project_id":6,"time":"2026-11-21T02:00:00","total":9007199254740993},
                  {"project_id":6,"time":"2026-11-21T05:00:00+02:00","total":1}
                ],"meta":[{"name":"total","type":"UInt64"}],"timing":{}}""");

        SnubaOutcome outcome = query();

        assertThat(outcome).isInstanceOf(SnubaOutcome.Ok.class);
        assertThat(new String(((SnubaOutcome.Ok) outcome).body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("9007199254740993").contains("\"extra\":\"ignored\"");   // handed on unread: the job parses it
        assertThat(((SnubaOutcome.Ok) outcome).latency()).isPositive();
        assertThat(outcome.retryable()).isFalse();
    }

    @Test
    void tooManyRequestsIsRateLimited() throws Exception {
        snuba.then(429, "{\"error\":{\"type\":\"rate-limited\",\"message\":\"concurrent limit of 100 exceeded\"},\"quota_allowance\":{}}");

        SnubaOutcome outcome = query();

        assertThat(outcome).isEqualTo(new SnubaOutcome.RateLimited("concurrent limit of 100 exceeded"));
        assertThat(outcome.retryable()).isTrue();
    }

    @Test
    void clientErrorsAreRejectedAndNotRetryable() throws Exception {
        snuba.then(400, "{\"error\":{\"type\":\"invalid_query\",\"message\":\"missing >= condition on column timestamp\"}}")
                .then(404, "no such dataset");

        SnubaOutcome invalid = query();
        SnubaOutcome notFound = query();

        assertThat(invalid).isEqualTo(new SnubaOutcome.Rejected(400, "invalid_query", "missing >= condition on column timestamp"));
        assertThat(notFound).isEqualTo(new SnubaOutcome.Rejected(404, "unknown", "no such dataset"));
        assertThat(invalid.retryable()).isFalse();
        assertThat(notFound.retryable()).isFalse();
    }

    @Test
    void serverErrorsAreRetryableFailures() throws Exception {
        snuba.then(500, "{\"error\":{\"type\":\"clickhouse\",\"message\":\"DB::Exception: Memory limit\"}}")
                .then(503, "");

        SnubaOutcome internal = query();
        SnubaOutcome unavailable = query();

        assertThat(internal).isEqualTo(new SnubaOutcome.Failed("HTTP 500: DB::Exception: Memory limit", 500));
        assertThat(unavailable).isEqualTo(new SnubaOutcome.Failed("HTTP 503: (empty body)", 503));
        assertThat(internal.retryable()).isTrue();
    }

    @Test
    void aServerThatDoesNotAnswerInTimeIsATimeout() throws Exception {
        snuba.then(new Reply(200, "{\"data\":[]}", Hold.BEFORE_HEADERS));
        try (SnubaClient impatient = new SnubaClient(settings(snuba.url(), "outcomes", Duration.ofMillis(300)), registry)) {
            SnubaOutcome outcome = impatient.query(q(101)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(SnubaOutcome.Failed.class);
            SnubaOutcome.Failed failed = (SnubaOutcome.Failed) outcome;
            assertThat(failed.timedOut()).isTrue();
            assertThat(failed.error()).startsWith("timeout after PT0.3S");
            assertThat(failed.status()).isNull();
            assertThat(count("timeout")).isEqualTo(1);
        }
    }

    @Test
    void aBodyThatStallsAfterTheHeadersIsATimeoutToo() throws Exception {
        snuba.then(new Reply(200, "{\"data\":[{\"project_id\":5,\"time\":\"2026-11-21T00:00:00Z\",\"total\":1}]}", Hold.AFTER_HEADERS));
        try (SnubaClient impatient = new SnubaClient(settings(snuba.url(), "outcomes", Duration.ofMillis(300)), registry)) {
            SnubaOutcome outcome = impatient.query(q(101)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(SnubaOutcome.Failed.class);
            assertThat(((SnubaOutcome.Failed) outcome).timedOut()).isTrue();
            assertThat(count("timeout")).isEqualTo(1);
        }
    }

    @Test
    void answeredRunsOnceTheAnswerIsInBeforeTheOutcomeAndNotWhenNoAnswerCame() throws Exception {
        snuba.then(200, "{\"data\":[{\"project_id\":5,\"time\":\"2026-11-21T00:00:00Z\",\"total\":1}]}")
                .then(503, "")
                .then(new Reply(200, "{\"data\":[]}", Hold.AFTER_HEADERS));
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<Integer> seenWhenDone = new java.util.concurrent.CopyOnWriteArrayList<>();

        for (int i = 0; i < 2; i++) {   // a 200 and a 503: both are answers
            CompletableFuture<SnubaOutcome> q = client.query(q(101), answered::incrementAndGet);
            q.whenComplete((o, e) -> seenWhenDone.add(answered.get())).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertThat(seenWhenDone).containsExactly(1, 2);

        try (SnubaClient impatient = new SnubaClient(settings(snuba.url(), "outcomes", Duration.ofMillis(300)), registry)) {
            SnubaOutcome stalled = impatient.query(q(101), answered::incrementAndGet).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(((SnubaOutcome.Failed) stalled).timedOut()).isTrue();
        }
        assertThat(answered.get()).isEqualTo(2);
    }

    @Test
    void aRefusedConnectionIsARetryableFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (SnubaClient nowhere = new SnubaClient(settings(URI.create("http://127.0.0.1:" + port), "outcomes", WAIT), registry)) {
            SnubaOutcome outcome = nowhere.query(q(101)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(outcome).isInstanceOf(SnubaOutcome.Failed.class);
            assertThat(((SnubaOutcome.Failed) outcome).error()).contains("ConnectException");
            assertThat(((SnubaOutcome.Failed) outcome).status()).isNull();
            assertThat(((SnubaOutcome.Failed) outcome).timedOut()).isFalse();
            assertThat(count("error")).isEqualTo(1);
        }
    }

    @Test
    void cancellingTheFutureHangsUpOnTheServer() throws Exception {
        try (SilentSocketServer silent = new SilentSocketServer();
             SnubaClient c = new SnubaClient(settings(silent.url(), "outcomes", Duration.ofMinutes(5)), registry)) {
            CompletableFuture<SnubaOutcome> future = c.query(q(101));
            await().atMost(WAIT).untilTrue(silent.requestStarted);

            assertThat(future.cancel(false)).isTrue();   // even without the interrupt flag

            assertThat(future).isCancelled();
            await().atMost(WAIT).untilTrue(silent.clientClosed);
            await().atMost(WAIT).until(() -> count("cancelled") == 1);
        }
    }

    @Test
    void timerCountsQueriesByStatus() throws Exception {
        snuba.then(200, "{\"data\":[]}").then(200, "{\"data\":[]}").then(429, "{}").then(400, "{}").then(503, "{}");

        for (int i = 0; i < 5; i++) {
            query();
        }

        assertThat(count("200")).isEqualTo(2);
        assertThat(count("429")).isEqualTo(1);
        assertThat(count("400")).isEqualTo(1);
        assertThat(count("503")).isEqualTo(1);
        assertThat(count("timeout")).isZero();
        assertThat(registry.find(SnubaClient.METRIC).timers()).hasSize(4);
    }
}
