package io.sluice.jobs.spike;

import io.sluice.messages.Window;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The result format is the one written before jobs were plug-ins, byte for byte. */
class ProjectionCodecTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    @Test
    void aResultIsWrittenAsTheTreeOfItsFieldsWasAndReadsBack() throws Exception {
        long[] hourly = new long[24];
        long[] threshold = new long[24];
        for (int h = 0; h < 24; h++) {
            hourly[h] = h * 1_000_003L;
            threshold[h] = Long.MAX_VALUE - h;
        }
        ProjectionResult r = new ProjectionResult(1, "r-\"quoted\" \u00e9\u4e2d\n", 42, new Window(Instant.parse("2026-11-21T00:00:00Z"),
                Instant.parse("2026-11-28T00:00:00Z")), List.of(new ProjectProjection(7, hourly, threshold),
                new ProjectProjection(9_999_999, new long[24], threshold)), Instant.parse("2026-11-28T12:00:00.123Z"));
        var f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        var tree = f.objectNode().put("v", 1).put("runId", r.runId()).put("orgId", 42L);
        tree.putObject("window").put("start", "2026-11-21T00:00:00Z").put("end", "2026-11-28T00:00:00Z");
        var projects = tree.putArray("projects");
        for (ProjectProjection p : r.projects()) {
            var pn = projects.addObject().put("projectId", p.projectId());
            var h = pn.putArray("hourly");
            for (long x : p.hourly()) {
                h.add(x);
            }
            var t = pn.putArray("threshold");
            for (long x : p.threshold()) {
                t.add(x);
            }
        }
        tree.put("computedAt", "2026-11-28T12:00:00.123Z");
        byte[] reference = MAPPER.writeValueAsString(tree).getBytes(java.nio.charset.StandardCharsets.UTF_8);

        assertThat(new String(ProjectionCodec.encode(r), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(reference, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ProjectionCodec.encode(r)).isEqualTo(reference);
        assertThat(ProjectionCodec.decode(ProjectionCodec.encode(r))).isEqualTo(r);
        assertThat(ProjectionCodec.decode(ProjectionCodec.encode(new ProjectionResult(1, "r", 1, r.window(), List.of(),
                r.computedAt()))).projects()).isEmpty();
    }
}
