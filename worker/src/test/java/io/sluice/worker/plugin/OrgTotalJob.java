package io.sluice.worker.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.BadAnswerException;
import io.sluice.job.GroundTruth;
import io.sluice.job.Job;
import io.sluice.job.JobSettings;
import io.sluice.job.Query;
import io.sluice.messages.Window;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A third job, written as a team outside the engine would write one: this class and a service file, nothing else.
 * Per org, the accepted total of yesterday (UTC) over all its projects.
 */
public final class OrgTotalJob implements Job {
    private static final ObjectMapper JSON = new ObjectMapper();
    private volatile String referrer = "sluice";
    private volatile String topic = "sluice.org-total";

    @Override
    public String name() {
        return "org-total";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public void configure(JobSettings settings) {
        referrer = settings.text("snuba.referrer", referrer);
        topic = settings.text("results-topic", topic);
    }

    @Override
    public Window window(Instant now) {
        Instant end = now.truncatedTo(ChronoUnit.DAYS);
        return new Window(end.minus(1, ChronoUnit.DAYS), end);
    }

    @Override
    public List<Query> queries(Work work) {
        String snql = "MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time WHERE org_id = " + work.orgId()
                + " AND timestamp >= toDateTime('" + work.window().start().toString().replace("Z", "") + "')"
                + " AND timestamp < toDateTime('" + work.window().end().toString().replace("Z", "") + "')"
                + " AND outcome = 0 GRANULARITY 3600";
        var body = JSON.createObjectNode().put("query", snql).put("dataset", "outcomes").put("app_id", "sluice");
        body.putObject("tenant_ids").put("referrer", referrer).put("organization_id", work.orgId());
        return List.of(new Query("outcomes", body.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public byte[] result(Work work, List<byte[]> answers, Instant computedAt) throws BadAnswerException {
        long total = 0;
        try {
            JsonNode data = JSON.readTree(answers.getFirst()).get("data");
            if (data == null || !data.isArray()) {
                throw new BadAnswerException("no data array");
            }
            for (JsonNode row : data) {
                total += row.get("total").asLong();
            }
        } catch (IOException e) {
            throw new BadAnswerException("not JSON");
        }
        return value(work, total);
    }

    private static byte[] value(Work work, long total) {
        return JSON.createObjectNode().put("orgId", work.orgId()).put("start", work.window().start().toString())
                .put("end", work.window().end().toString()).put("total", total).toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String resultsTopic(JobSettings settings) {
        return settings.text("results-topic", topic);
    }

    @Override
    public Stamp stamp(byte[] key, byte[] value) throws BadAnswerException {
        try {
            JsonNode n = JSON.readTree(value);
            return new Stamp(n.get("orgId").asLong(), Instant.parse(n.get("end").asText()));
        } catch (IOException | RuntimeException e) {
            throw new BadAnswerException("not an org-total result");
        }
    }

    @Override
    public String mismatch(Work work, byte[] result, GroundTruth truth) {
        long total = 0;
        for (long project : truth.projects(work.orgId())) {
            for (Instant h = work.window().start(); h.isBefore(work.window().end()); h = h.plus(1, ChronoUnit.HOURS)) {
                total += Math.max(0, truth.total(work.orgId(), project, h));
            }
        }
        byte[] expected = value(work, total);
        return java.util.Arrays.equals(expected, result) ? null
                : "got " + new String(result, StandardCharsets.UTF_8) + ", expected " + new String(expected, StandardCharsets.UTF_8);
    }
}
