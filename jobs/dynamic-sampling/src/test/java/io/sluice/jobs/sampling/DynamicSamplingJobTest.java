package io.sluice.jobs.sampling;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.embedded.snuba.SnqlQuery;
import io.sluice.job.BadAnswerException;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job.Stamp;
import io.sluice.job.Job.Work;
import io.sluice.job.JobSettings;
import io.sluice.job.Query;
import io.sluice.jobs.sampling.SamplingResult.ProjectRate;
import io.sluice.messages.Window;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DynamicSamplingJobTest {
    private static final Instant HOUR = Instant.parse("2026-11-28T11:00:00Z");
    private static final Window WINDOW = new Window(HOUR, HOUR.plus(Duration.ofHours(1)));
    private static final Work WORK = new Work("r-1", 101, WINDOW);
    private static final Instant COMPUTED = Instant.parse("2026-11-28T12:00:35.002Z");

    private final DynamicSamplingJob job = new DynamicSamplingJob();

    @Test
    void theWindowIsTheLastWholeHour() {
        assertThat(job.window(Instant.parse("2026-11-28T12:34:56.789Z"))).isEqualTo(WINDOW);
        assertThat(job.window(Instant.parse("2026-11-28T12:00:00Z"))).isEqualTo(WINDOW);
        assertThat(job.window(Instant.parse("2026-11-28T12:59:59.999Z"))).isEqualTo(WINDOW);
    }

    @Test
    void oneQueryOfTheOutcomesShapeThatTheSimulatorReads() throws Exception {
        job.configure(new JobSettings("dynamic-sampling", Map.of("snuba.referrer", "dynamic_sampling.rebalance")));

        List<Query> queries = job.queries(WORK);

        assertThat(queries).hasSize(1);
        assertThat(queries.get(0).dataset()).isEqualTo("outcomes");
        String snql = "MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time WHERE org_id = 101"
                + " AND timestamp >= toDateTime('2026-11-28T11:00:00') AND timestamp < toDateTime('2026-11-28T12:00:00')"
                + " AND outcome = 0 GRANULARITY 3600";
        assertThat(new String(queries.get(0).body(), StandardCharsets.UTF_8)).isEqualTo("{\"query\":\"" + snql + "\","
                + "\"dataset\":\"outcomes\",\"app_id\":\"sluice\","
                + "\"tenant_ids\":{\"referrer\":\"dynamic_sampling.rebalance\",\"organization_id\":101}}");
        SnqlQuery parsed = SnqlQuery.parse(new ObjectMapper().readTree(queries.get(0).body()).get("query").asText());
        assertThat(parsed).isEqualTo(new SnqlQuery(101, WINDOW.start(), WINDOW.end(), Duration.ofHours(1)));
    }

    @Test
    void theResultListsProjectsAscendingWithTheirVolumeAndRate() throws Exception {
        byte[] value = job.result(WORK, List.of(answer(row(9, 8_900), row(5, 100), row(7, 1_000))), COMPUTED);

        assertThat(new String(value, StandardCharsets.UTF_8)).isEqualTo("{\"v\":1,\"runId\":\"r-1\",\"orgId\":101,"
                + "\"window\":{\"start\":\"2026-11-28T11:00:00Z\",\"end\":\"2026-11-28T12:00:00Z\"},"
                + "\"targetRate\":0.1,\"minKept\":0,\"projects\":[{\"projectId\":5,\"volume\":100,\"sampleRate\":1.0},"
                + "{\"projectId\":7,\"volume\":1000,\"sampleRate\":0.45},"
                + "{\"projectId\":9,\"volume\":8900,\"sampleRate\":" + 450.0 / 8_900 + "}],"
                + "\"computedAt\":\"2026-11-28T12:00:35.002Z\"}");
        assertThat(SamplingResult.decode(value)).isEqualTo(new SamplingResult(1, "r-1", 101, WINDOW, 0.1, 0,
                List.of(new ProjectRate(5, 100, 1.0), new ProjectRate(7, 1_000, 0.45), new ProjectRate(9, 8_900, 450.0 / 8_900)),
                COMPUTED));
    }

    @Test
    void rowsOfOneProjectAreSummedAndAnOrgWithoutRowsHasNoProjects() throws Exception {
        SamplingResult r = SamplingResult.decode(job.result(WORK, List.of(answer(row(5, 30), row(5, 12))), COMPUTED));
        assertThat(r.projects()).containsExactly(new ProjectRate(5, 42, 0.1 * 42 / 42));   // one project: the target itself

        assertThat(SamplingResult.decode(job.result(WORK, List.of(answer()), COMPUTED)).projects()).isEmpty();
    }

    @Test
    void theStampIsTheOrgAndTheWindowsEnd() throws Exception {
        byte[] value = job.result(WORK, List.of(answer(row(5, 100))), COMPUTED);

        assertThat(job.stamp("101".getBytes(StandardCharsets.UTF_8), value)).isEqualTo(new Stamp(101, WINDOW.end()));
        assertThatThrownBy(() -> job.stamp("102".getBytes(StandardCharsets.UTF_8), value))
                .isInstanceOf(BadAnswerException.class).hasMessageContaining("key '102'");
        assertThatThrownBy(() -> job.stamp(null, "{\"orgId\":101}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadAnswerException.class).hasMessageContaining("'window'");
        assertThatThrownBy(() -> job.stamp(null, "{\"orgId\":101,\"window\":{\"end\":\"noon\"}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadAnswerException.class).hasMessageContaining("window.end 'noon'");
        assertThatThrownBy(() -> job.stamp(null, "[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadAnswerException.class).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> job.stamp(null, null)).isInstanceOf(BadAnswerException.class);
    }

    @Test
    void aMalformedAnswerIsABadAnswerThatSaysWhatIsWrong() {
        assertBad("not json", "answer is not JSON");
        assertBad("[]", "not a JSON object");
        assertBad("{\"meta\":[]}", "no 'data' array");
        assertBad("{\"data\":[1]}", "data[0] is not an object");
        assertBad("{\"data\":[{\"time\":\"2026-11-28T11:00:00+00:00\",\"total\":1}]}", "data[0].project_id is missing");
        assertBad("{\"data\":[{\"project_id\":5,\"time\":\"2026-11-28T11:00:00+00:00\",\"total\":\"12\"}]}", "data[0].total is \"12\"");
        assertBad("{\"data\":[{\"project_id\":5,\"time\":\"2026-11-28T11:00:00+00:00\",\"total\":-3}]}", "data[0].total is -3");
        assertBad("{\"data\":[{\"project_id\":5,\"time\":\"2026-11-28T11:00:00+00:00\",\"total\":1.5}]}", "data[0].total is 1.5");
        assertBad("{\"data\":[{\"project_id\":5,\"time\":\"eleven\",\"total\":1}]}", "data[0].time 'eleven'");
        assertBad("{\"data\":[{\"project_id\":5,\"time\":\"2026-11-28T12:00:00+00:00\",\"total\":1}]}", "outside the window");
        assertThatThrownBy(() -> job.result(WORK, List.of(), COMPUTED))
                .isInstanceOf(BadAnswerException.class).hasMessageContaining("expected 1 answer");
    }

    @Test
    void theCheckPassesAnExactResultAndCatchesAWrongVolumeOrRate() throws Exception {
        GroundTruth truth = truth(Map.of(5L, 100L, 7L, 1_000L, 9L, 8_900L, 11L, -1L));   // 11 had no row this hour
        byte[] value = job.result(WORK, List.of(answer(row(5, 100), row(7, 1_000), row(9, 8_900))), COMPUTED);
        assertThat(job.mismatch(WORK, value, truth)).isNull();

        SamplingResult exact = SamplingResult.decode(value);
        assertThat(job.mismatch(WORK, with(exact, 1, new ProjectRate(7, 1_001, 0.45)), truth))
                .isEqualTo("projects[1] is project 7 volume 1001; expected project 7 volume 1000");
        assertThat(job.mismatch(WORK, with(exact, 1, new ProjectRate(7, 1_000, Math.nextUp(0.45))), truth))
                .startsWith("project 7 has sampleRate 0.45000000000000007; the model gives 0.45");
        assertThat(job.mismatch(WORK, job.result(WORK, List.of(answer(row(5, 100), row(9, 8_900))), COMPUTED), truth))
                .isEqualTo("result lists 2 projects; the data has rows for 3");
        assertThat(job.mismatch(new Work("r-2", 101, WINDOW), value, truth)).startsWith("result is for org 101, run r-1");
        assertThat(job.mismatch(WORK, "{}".getBytes(StandardCharsets.UTF_8), truth)).startsWith("result unreadable:");
    }

    @Test
    void theInvariantsCatchWhatTheModelPromisesAgainst() {
        List<ProjectRate> exact = List.of(new ProjectRate(5, 100, 1.0), new ProjectRate(7, 1_000, 0.45),
                new ProjectRate(9, 8_900, 450.0 / 8_900));
        assertThat(SamplingCheck.invariants(exact, 0.1, 0)).isNull();

        assertThat(SamplingCheck.invariants(List.of(new ProjectRate(5, 100, 1.5)), 1.0, 0)).contains("not in (0, 1]");
        assertThat(SamplingCheck.invariants(List.of(new ProjectRate(5, 100, 0.0)), 0.1, 0)).contains("not in (0, 1]");
        // The small project below the large one's rate: the same share kept overall, wrong way round.
        assertThat(SamplingCheck.invariants(List.of(new ProjectRate(5, 100, 0.1), new ProjectRate(7, 900, 0.1),
                new ProjectRate(9, 1_000, 0.2)), 0.1, 0))
                .startsWith("project 7 (volume 900) has rate 0.1, below project 9's 0.2");
        assertThat(SamplingCheck.invariants(List.of(new ProjectRate(5, 100, 0.2), new ProjectRate(7, 100, 0.2)), 0.1, 0))
                .isEqualTo("the org keeps 0.2 of its events; the target is 0.1");
        // The floor (50) is above the budget (20): each project keeps at least min(volume, 50).
        assertThat(SamplingCheck.invariants(List.of(new ProjectRate(5, 100, 0.5), new ProjectRate(7, 100, 0.5)), 0.1, 50))
                .isNull();
        assertThat(SamplingCheck.invariants(List.of(new ProjectRate(5, 100, 0.4), new ProjectRate(7, 100, 0.4)), 0.1, 50))
                .startsWith("project 5 keeps 40.0 events, below its floor 50");
    }

    private void assertBad(String body, String message) {
        assertThatThrownBy(() -> job.result(WORK, List.of(body.getBytes(StandardCharsets.UTF_8)), COMPUTED))
                .isInstanceOf(BadAnswerException.class).hasMessageContaining(message);
    }

    private static String row(long project, long total) {
        return "{\"project_id\":" + project + ",\"time\":\"2026-11-28T11:00:00+00:00\",\"total\":" + total + "}";
    }

    private static byte[] answer(String... rows) {
        return ("{\"data\":[" + String.join(",", rows) + "],\"meta\":[]}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] with(SamplingResult r, int index, ProjectRate changed) {
        List<ProjectRate> projects = new ArrayList<>(r.projects());
        projects.set(index, changed);
        return new SamplingResult(r.v(), r.runId(), r.orgId(), r.window(), r.targetRate(), r.minKept(), projects,
                r.computedAt()).encode();
    }

    /** Org 101's projects with one hour's totals at {@link #HOUR}; -1 is an hour without a row. */
    private static GroundTruth truth(Map<Long, Long> totals) {
        return new GroundTruth() {
            @Override
            public List<Long> projects(long orgId) {
                return orgId == 101 ? totals.keySet().stream().sorted().toList() : List.of();
            }

            @Override
            public long total(long orgId, long projectId, Instant hour) {
                return orgId == 101 && hour.equals(HOUR) ? totals.getOrDefault(projectId, -1L) : -1;
            }
        };
    }
}
