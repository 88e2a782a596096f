package io.sluice.jobs.sampling;

import io.sluice.embedded.snuba.LatencyModel;
import io.sluice.embedded.snuba.SnubaSimulator;
import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job.Work;
import io.sluice.job.JobSettings;
import io.sluice.job.Query;
import io.sluice.messages.Window;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job's query sent to the real simulator over HTTP, its answers turned into results, and each result checked
 * exactly against the simulator's own data.
 */
class SimulatorExactTest {
    private static final int ORGS = 50;
    /** A weekday afternoon and a Sunday night hour: different volumes, the same exactness. */
    private static final List<Instant> RUNS = List.of(Instant.parse("2026-11-26T15:20:00Z"), Instant.parse("2026-11-29T03:59:59Z"));

    private static SnubaSimulator snuba;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        snuba = new SnubaSimulator(SnubaSimulator.Options.defaults().withLatency(LatencyModel.none())).start();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        if (snuba != null) {
            snuba.close();
        }
    }

    @Test
    void everyOrgIsExactWithTheDefaults() throws Exception {
        Totals totals = runAll(Map.of());

        assertThat(totals.mismatches).as("orgs whose result differs from the data").isEmpty();
        // The check has something to check: orgs with several projects, some kept whole, some thinned.
        assertThat(totals.multiProject).isGreaterThan(ORGS);
        assertThat(totals.boosted).isPositive();
        assertThat(totals.thinned).isPositive();
        assertThat(totals.unreachable).isZero();
    }

    @Test
    void everyOrgIsExactWithAFloorAboveSomeOrgsTargets() throws Exception {
        Totals totals = runAll(Map.of("target-rate", "0.01", "min-kept", "20"));

        assertThat(totals.mismatches).as("orgs whose result differs from the data").isEmpty();
        assertThat(totals.unreachable).as("org-hours whose floor keeps more than the target").isPositive();
        assertThat(totals.reachable).as("org-hours that meet the target").isPositive();
    }

    private Totals runAll(Map<String, String> values) throws Exception {
        DynamicSamplingJob job = new DynamicSamplingJob();
        job.configure(new JobSettings(DynamicSamplingJob.NAME, values));
        SyntheticData data = snuba.data();
        GroundTruth truth = GroundTruth.of(data::projects, (o, p, h) -> data.total(o, p, h).orElse(-1));
        Totals totals = new Totals();
        for (Instant now : RUNS) {
            Window window = job.window(now);
            for (long org = 1; org <= ORGS; org++) {
                Work work = new Work("r-test", org, window);
                List<Query> queries = job.queries(work);
                assertThat(queries).hasSize(1);
                byte[] answer = post(queries.get(0));
                byte[] result = job.result(work, List.of(answer), now);
                String reason = job.mismatch(work, result, truth);
                if (reason != null) {
                    totals.mismatches.add("org " + org + " at " + now + ": " + reason);
                }
                totals.count(SamplingResult.decode(result), job.settings());
            }
        }
        return totals;
    }

    private byte[] post(Query query) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(snuba.url() + "/" + query.dataset() + "/snql"))
                .header("Referer", "getsentry.get_spike_projections")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(query.body()))
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        return response.body();
    }

    private static final class Totals {
        final List<String> mismatches = new ArrayList<>();
        int multiProject;
        int boosted;
        int thinned;
        int reachable;
        int unreachable;

        void count(SamplingResult r, SamplingSettings s) {
            if (r.projects().size() > 1) {
                multiProject++;
            }
            long[] volumes = r.projects().stream().mapToLong(SamplingResult.ProjectRate::volume).toArray();
            for (SamplingResult.ProjectRate p : r.projects()) {
                if (p.sampleRate() == 1.0) {
                    boosted++;
                } else {
                    thinned++;
                }
            }
            if (volumes.length > 0 && Rebalancing.reachable(volumes, s.targetRate(), s.minKept())) {
                reachable++;
            } else if (volumes.length > 0) {
                unreachable++;
            }
        }
    }
}
