package io.sluice.jobs.spike;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.BadAnswerException;
import io.sluice.messages.Window;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** The JSON of a spike projection on the results topic: the format written since the first version, unchanged. */
public final class ProjectionCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ProjectionCodec() {
    }

    /** Written field by field with a generator (no tree): the same bytes the tree of fields in this order gave. */
    public static byte[] encode(ProjectionResult r) {
        ByteArrayBuilder out = new ByteArrayBuilder(256 + r.projects().size() * 512);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", r.v());
            g.writeStringField("runId", r.runId());
            g.writeNumberField("orgId", r.orgId());
            g.writeObjectFieldStart("window");
            g.writeStringField("start", r.window().start().toString());
            g.writeStringField("end", r.window().end().toString());
            g.writeEndObject();
            g.writeArrayFieldStart("projects");
            for (ProjectProjection p : r.projects()) {
                g.writeStartObject();
                g.writeNumberField("projectId", p.projectId());
                long[] hourly = p.hourly();
                g.writeFieldName("hourly");
                g.writeArray(hourly, 0, hourly.length);
                long[] threshold = p.threshold();
                g.writeFieldName("threshold");
                g.writeArray(threshold, 0, threshold.length);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("computedAt", r.computedAt().toString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    public static ProjectionResult decode(byte[] value) throws BadAnswerException {
        JsonNode n = parse(value);
        int v = requireInt(n, "v");
        String runId = requireText(n, "runId");
        long orgId = requireLong(n, "orgId");
        Window window = requireWindow(n);
        JsonNode projects = n.get("projects");
        if (projects == null || !projects.isArray()) {
            throw new BadAnswerException("field 'projects' is missing or not an array");
        }
        List<ProjectProjection> list = new ArrayList<>();
        for (JsonNode p : projects) {
            list.add(new ProjectProjection(requireLong(p, "projectId"), longs(p, "hourly"), longs(p, "threshold")));
        }
        Instant computedAt = instant(n, "computedAt");
        return new ProjectionResult(v, runId, orgId, window, list, computedAt);
    }

    private static JsonNode parse(byte[] value) throws BadAnswerException {
        if (value == null) {
            throw new BadAnswerException("record has no value (tombstone)");
        }
        try {
            JsonNode n = MAPPER.readTree(value);
            if (n == null || !n.isObject()) {
                throw new BadAnswerException("value is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new BadAnswerException("value is not valid JSON");
        }
    }

    private static JsonNode field(JsonNode n, String field) throws BadAnswerException {
        JsonNode x = n.get(field);
        if (x == null || x.isNull()) {
            throw new BadAnswerException("field '" + field + "' is missing");
        }
        return x;
    }

    private static int requireInt(JsonNode n, String field) throws BadAnswerException {
        JsonNode x = field(n, field);
        if (!x.isIntegralNumber() || !x.canConvertToInt()) {
            throw new BadAnswerException("field '" + field + "' is not an integer");
        }
        return x.asInt();
    }

    private static long requireLong(JsonNode n, String field) throws BadAnswerException {
        JsonNode x = field(n, field);
        if (!x.isIntegralNumber() || !x.canConvertToLong()) {
            throw new BadAnswerException("field '" + field + "' is not an integer");
        }
        return x.asLong();
    }

    private static String requireText(JsonNode n, String field) throws BadAnswerException {
        JsonNode x = field(n, field);
        if (!x.isTextual() || x.asText().isBlank()) {
            throw new BadAnswerException("field '" + field + "' is not a non-empty string");
        }
        return x.asText();
    }

    private static Instant instant(JsonNode n, String field) throws BadAnswerException {
        String s = requireText(n, field);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new BadAnswerException("field '" + field + "' = '" + s + "' is not an ISO-8601 instant");
        }
    }

    private static Window requireWindow(JsonNode n) throws BadAnswerException {
        JsonNode w = field(n, "window");
        Instant start = instant(w, "start");
        Instant end = instant(w, "end");
        if (!start.isBefore(end)) {
            throw new BadAnswerException("window.start " + start + " is not before window.end " + end);
        }
        return new Window(start, end);
    }

    private static long[] longs(JsonNode n, String field) throws BadAnswerException {
        JsonNode a = field(n, field);
        if (!a.isArray()) {
            throw new BadAnswerException("field '" + field + "' is not an array");
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }
}
