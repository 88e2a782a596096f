package io.sluice.embedded.snuba;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.embedded.snuba.SnubaClient.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SnubaSimulatorTest {
    private static final String REFERRER = SnubaClient.REFERRER;

    private static SnubaSimulator start(int limit, LatencyModel latency) {
        return new SnubaSimulator(SnubaSimulator.Options.defaults().withLimit(limit).withLatency(latency)).start();
    }

    @Test
    void admitsExactlyTheLimitAndAnswersEveryOtherConcurrentQueryWith429() throws Exception {
        try (SnubaSimulator snuba = start(20, LatencyModel.fixed(Duration.ofMillis(200)));
             SnubaClient client = new SnubaClient(snuba.url())) {
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            for (long org = 1; org <= 200; org++) {
                replies.add(client.queryAsync(org));
            }
            CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            List<Reply> all = replies.stream().map(CompletableFuture::join).toList();
            List<Reply> ok = all.stream().filter(r -> r.status() == 200).toList();
            List<Reply> refused = all.stream().filter(r -> r.status() != 200).toList();
            assertThat(ok).hasSizeGreaterThanOrEqualTo(20);
            assertThat(refused).isNotEmpty().allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.body().at("/error/type").asText()).isEqualTo("rate-limited");
                assertThat(r.body().at("/error/message").asText()).contains("limit of 20");
                assertThat(r.body().path("quota_allowance").isObject()).isTrue();
            });

            SimulatorStats stats = snuba.stats();
            assertThat(stats.peakInFlight()).containsEntry(REFERRER, 20);
            assertThat(stats.requests()).isEqualTo(200);
            assertThat(stats.ok()).isEqualTo(ok.size());
            assertThat(stats.rateLimited()).isEqualTo(refused.size());
            assertThat(stats.queriesPerOrg()).hasSize(200);
            assertThat(snuba.inFlight()).isZero();
        }
    }

    @Test
    void holdsFiveHundredConcurrentConnections() throws Exception {
        // Each query lasts 6 s, so all 500 overlap even when a loaded machine takes seconds to open the connections.
        try (SnubaSimulator snuba = start(1_000, LatencyModel.fixed(Duration.ofMillis(6_000)));
             SnubaClient client = new SnubaClient(snuba.url())) {
            List<CompletableFuture<Reply>> replies = LongStream.rangeClosed(1, 500).mapToObj(client::queryAsync).toList();
            await().atMost(Duration.ofSeconds(20)).until(() -> snuba.inFlight() == 500);
            CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(replies).allSatisfy(r -> assertThat(r.join().status()).isEqualTo(200));
            assertThat(snuba.stats().peakInFlight()).containsEntry(REFERRER, 500);
        }
    }

    @Test
    void answersFromSyntheticDataTheSameWayForTheSameSeed() {
        SnubaSimulator.Options options = SnubaSimulator.Options.defaults().withLatency(LatencyModel.none()).withSeed(42);
        try (SnubaSimulator a = new SnubaSimulator(options).start();
             SnubaSimulator b = new SnubaSimulator(options).start();
             SnubaSimulator other = new SnubaSimulator(options.withSeed(43)).start();
             SnubaClient ca = new SnubaClient(a.url());
             SnubaClient cb = new SnubaClient(b.url());
             SnubaClient co = new SnubaClient(other.url())) {
            long org = LongStream.rangeClosed(1, 1_000)
                    .filter(o -> a.data().projects(o).size() > 3).findFirst().orElseThrow();
            Reply ra = ca.query(org);
            assertThat(ra.status()).isEqualTo(200);
            assertThat(cb.query(org).body()).isEqualTo(ra.body());
            assertThat(co.query(org).body()).isNotEqualTo(ra.body());

            SyntheticData data = SyntheticData.withSeed(42);
            JsonNode rows = ra.body().path("data");
            long expectedRows = 0;
            for (long project : data.projects(org)) {
                expectedRows += data.hourly(org, project, Instant.parse("2026-11-21T00:00:00Z"),
                        Instant.parse("2026-11-28T00:00:00Z")).stream().filter(v -> v != null).count();
            }
            assertThat(rows).hasSize((int) expectedRows);
            JsonNode first = rows.get(0);
            OptionalLong expected = data.total(org, first.path("project_id").asLong(),
                    Instant.parse(first.path("time").asText().replace("+00:00", "Z")));
            assertThat(first.path("total").asLong()).isEqualTo(expected.orElseThrow());
            assertThat(first.path("time").asText()).endsWith("+00:00");
            assertThat(ra.body().path("meta").findValuesAsText("name")).containsExactly("project_id", "time", "total");
        }
    }

    @Test
    void aSuccessCarriesTheQuotaStatsAfterTheRowsAndTheSameRowsEachTime() {
        try (SnubaSimulator snuba = start(7, LatencyModel.none());
             SnubaClient client = new SnubaClient(snuba.url())) {
            long org = LongStream.rangeClosed(1, 1_000)
                    .filter(o -> snuba.data().projects(o).size() > 3).findFirst().orElseThrow();
            Reply first = client.query(org);
            Reply again = client.query(org);   // kept in the simulator's cache from this second ask
            assertThat(first.status()).isEqualTo(200);
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(first.body().path("data").size()).isGreaterThan(3 * 160);
            JsonNode policy = first.body().at("/stats/quota_allowance/details/ConcurrentRateLimitAllocationPolicy");
            assertThat(policy.path("rejection_threshold").asInt()).isEqualTo(7);
            assertThat(policy.path("quota_used").asInt()).isEqualTo(1);   // this query alone was in flight
            assertThat(first.body().at("/stats/quota_allowance/summary/is_successful").asBoolean()).isTrue();
            assertThat(first.body().path("meta").findValuesAsText("name")).containsExactly("project_id", "time", "total");
        }
    }

    @Test
    void answers400WhenTheQueryAndTenantDisagreeOrTheQueryIsIncomplete() {
        try (SnubaSimulator snuba = start(5, LatencyModel.none()); SnubaClient client = new SnubaClient(snuba.url())) {
            String window = SnubaClient.snql(101, "2026-11-21T00:00:00", "2026-11-28T00:00:00");
            List<Reply> replies = List.of(
                    client.post("/outcomes/snql", SnubaClient.body(window, 102L)),
                    client.post("/outcomes/snql", SnubaClient.body(window, null)),
                    client.post("/outcomes/snql", SnubaClient.body(window.replace("org_id = 101 AND ", ""), 101L)),
                    client.post("/outcomes/snql", SnubaClient.body(
                            "MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time WHERE org_id = 101", 101L)),
                    client.post("/outcomes/snql", "not json"));
            assertThat(replies).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.body().at("/error/type").asText()).isEqualTo("invalid_query");
            });
            assertThat(replies.get(0).body().at("/error/message").asText()).contains("102", "101");
            assertThat(snuba.stats().badRequests()).isEqualTo(5);
            assertThat(client.post("/outcomes/snql", SnubaClient.body(window, 101L)).status()).isEqualTo(200);
        }
    }

    @Test
    void injectsErrorsFailingOrgsAndSlowdownAtRunTime() {
        try (SnubaSimulator snuba = start(50, LatencyModel.fixed(Duration.ofMillis(20)));
             SnubaClient client = new SnubaClient(snuba.url())) {
            Reply set = client.post("/admin/faults", "{\"errorRatio\":1.0}");
            assertThat(set.status()).isEqualTo(200);
            assertThat(LongStream.rangeClosed(1, 20).mapToObj(client::queryAsync).map(CompletableFuture::join))
                    .allSatisfy(r -> assertThat(r.status()).isEqualTo(500));
            assertThat(snuba.stats().serverErrors()).isEqualTo(20);

            assertThat(client.post("/admin/faults", "{\"failOrgs\":[7]}").status()).isEqualTo(200);
            assertThat(client.query(7).status()).isEqualTo(500);
            assertThat(client.query(7).body().at("/error/message").asText()).contains("7");
            assertThat(client.query(8).status()).isEqualTo(200);

            snuba.faults(Faults.none().withSlowdown(25));
            long t0 = System.nanoTime();
            assertThat(client.query(9).status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(480));

            assertThat(client.post("/admin/faults", "{\"errorRatio\":2}").status()).isEqualTo(400);
            assertThat(client.post("/admin/faults", "{\"bogus\":1}").status()).isEqualTo(400);
            assertThat(snuba.faults().slowdown()).isEqualTo(25);
        }
    }

    @Test
    void extra429sComeFromTheSeededRandomSource() {
        try (SnubaSimulator snuba = start(50, LatencyModel.none()); SnubaClient client = new SnubaClient(snuba.url())) {
            snuba.faults(Faults.none().withExtra429Ratio(1.0));
            Reply reply = client.query(3);
            assertThat(reply.status()).isEqualTo(429);
            assertThat(reply.body().at("/error/type").asText()).isEqualTo("rate-limited");
            snuba.faults(Faults.none().withExtra429Ratio(0.5));
            long emptyOrg = LongStream.rangeClosed(1, 1_000).filter(o -> snuba.data().projects(o).isEmpty())
                    .findFirst().orElseThrow();
            long refused = LongStream.range(0, 200).mapToObj(i -> client.query(emptyOrg))
                    .filter(r -> r.status() == 429).count();
            assertThat(refused).isBetween(60L, 140L);
        }
    }

    @Test
    void holdsQueriesInFlightWhileStalled() throws Exception {
        try (SnubaSimulator snuba = start(50, LatencyModel.none()); SnubaClient client = new SnubaClient(snuba.url())) {
            snuba.faults(Faults.none().withStall(true));
            List<CompletableFuture<Reply>> held = LongStream.rangeClosed(1, 3).mapToObj(client::queryAsync).toList();
            await().atMost(Duration.ofSeconds(5)).until(() -> snuba.inFlight() == 3);
            assertThat(held).noneMatch(CompletableFuture::isDone);

            assertThat(client.post("/admin/faults", "{\"stall\":false}").status()).isEqualTo(200);
            CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            assertThat(held).allSatisfy(r -> assertThat(r.join().status()).isEqualTo(200));
            assertThat(snuba.inFlight()).isZero();
        }
    }

    @Test
    void servesStatsOverHttpAndResetsThem() {
        try (SnubaSimulator snuba = start(5, LatencyModel.none()); SnubaClient client = new SnubaClient(snuba.url())) {
            client.query(101);
            client.query(101);
            client.query(202);
            JsonNode stats = client.get("/stats").body();
            assertThat(stats.path("requests").asLong()).isEqualTo(3);
            assertThat(stats.path("ok").asLong()).isEqualTo(3);
            assertThat(stats.path("inFlight").asInt()).isZero();
            assertThat(stats.at("/peakInFlight/" + REFERRER.replace("/", "~1")).asInt()).isEqualTo(1);
            assertThat(stats.at("/queriesPerOrg/101").asLong()).isEqualTo(2);
            assertThat(stats.at("/queriesPerOrg/202").asLong()).isEqualTo(1);

            assertThat(client.post("/stats/reset", "").status()).isEqualTo(200);
            assertThat(snuba.stats().requests()).isZero();
            assertThat(snuba.stats().queriesPerOrg()).isEmpty();
            assertThat(client.get("/nope").status()).isEqualTo(404);
            assertThat(snuba.stats()).isEqualTo(new SimulatorStats(0, 0, 0, 0, 0, 0,
                    Map.of(REFERRER, 0), Map.of(), Map.of()));
        }
    }
    @Test
    void aSlowQueryRunsOnAfterItsClientHangsUpAndCountsInFlightUntilItEnds() throws Exception {
        try (SnubaSimulator snuba = start(5, LatencyModel.none()); SnubaClient client = new SnubaClient(snuba.url())) {
            snuba.faults(Faults.none().withSlowQueries(1.0, Duration.ofMillis(1_500)));
            CompletableFuture<Reply> reply = client.queryAsync(11);
            await().atMost(Duration.ofSeconds(5)).until(() -> snuba.inFlight() == 1);
            reply.cancel(true);   // the JDK client closes the connection: the client hangs up
            long hungUp = System.nanoTime();
            // Still running downstream, as ClickHouse goes on with a query whose client went away...
            assertThat(snuba.inFlight()).isEqualTo(1);
            // ...until its own time is up.
            await().atMost(Duration.ofSeconds(5)).until(() -> snuba.inFlight() == 0);
            assertThat(Duration.ofNanos(System.nanoTime() - hungUp)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            assertThat(snuba.faults().slowRatio()).isEqualTo(1.0);
            assertThat(client.post("/admin/faults", "{\"slowRatio\":0.5,\"slowMillis\":10}").status()).isEqualTo(200);
            assertThat(snuba.faults().slowMillis()).isEqualTo(10);
            assertThat(client.post("/admin/faults", "{\"slowRatio\":1.5}").status()).isEqualTo(400);
        }
    }
}
