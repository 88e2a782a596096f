package io.sluice.jobs.sampling;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.BadAnswerException;
import io.sluice.messages.Window;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One org's rebalanced rates, as written to the results topic (keyed by org id):
 * <pre>{@code
 * {"v":1,"runId":"r-1","orgId":101,"window":{"start":"2026-11-28T11:00:00Z","end":"2026-11-28T12:00:00Z"},
 *  "targetRate":0.1,"minKept":0,
 *  "projects":[{"projectId":5,"volume":40,"sampleRate":1.0},{"projectId":9,"volume":960,"sampleRate":0.0625}],
 *  "computedAt":"2026-11-28T12:00:35.002Z"}
 * }</pre>
 * Rates are written as Java's shortest exact decimal of the double, so a reader gets the same double back.
 */
public record SamplingResult(int v, String runId, long orgId, Window window, double targetRate, long minKept,
                             List<ProjectRate> projects, Instant computedAt) {
    public static final int VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public SamplingResult {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(computedAt, "computedAt");
        projects = List.copyOf(projects);
    }

    /** One project: its volume in the window and its new sample rate. */
    public record ProjectRate(long projectId, long volume, double sampleRate) {
    }

    public byte[] encode() {
        ByteArrayBuilder out = new ByteArrayBuilder(256 + projects.size() * 64);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", v);
            g.writeStringField("runId", runId);
            g.writeNumberField("orgId", orgId);
            g.writeObjectFieldStart("window");
            g.writeStringField("start", window.start().toString());
            g.writeStringField("end", window.end().toString());
            g.writeEndObject();
            g.writeNumberField("targetRate", targetRate);
            g.writeNumberField("minKept", minKept);
            g.writeArrayFieldStart("projects");
            for (ProjectRate p : projects) {
                g.writeStartObject();
                g.writeNumberField("projectId", p.projectId());
                g.writeNumberField("volume", p.volume());
                g.writeNumberField("sampleRate", p.sampleRate());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("computedAt", computedAt.toString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a result into memory", e);
        }
        return out.toByteArray();
    }

    /** Reads a whole result back; {@link BadAnswerException} names the first field that is missing or wrong. */
    public static SamplingResult decode(byte[] value) throws BadAnswerException {
        JsonNode n = tree(value);
        int v = (int) whole(n, "v", "v");
        if (v != VERSION) {
            throw new BadAnswerException("result has v " + v + "; this job writes and reads v " + VERSION);
        }
        String runId = text(n, "runId", "runId");
        long orgId = whole(n, "orgId", "orgId");
        Window window = window(n);
        double targetRate = number(n, "targetRate", "targetRate");
        long minKept = whole(n, "minKept", "minKept");
        JsonNode projects = n.get("projects");
        if (projects == null || !projects.isArray()) {
            throw new BadAnswerException("result has no 'projects' array");
        }
        List<ProjectRate> rates = new ArrayList<>(projects.size());
        for (int i = 0; i < projects.size(); i++) {
            JsonNode p = projects.get(i);
            String at = "projects[" + i + "]";
            rates.add(new ProjectRate(whole(p, "projectId", at + ".projectId"), whole(p, "volume", at + ".volume"),
                    number(p, "sampleRate", at + ".sampleRate")));
        }
        return new SamplingResult(v, runId, orgId, window, targetRate, minKept, rates, instant(n, "computedAt", "computedAt"));
    }

    /** Only what the engine's watermarks need: the org and its window's end. */
    static Stamp stamp(byte[] value) throws BadAnswerException {
        JsonNode n = tree(value);
        JsonNode w = n.get("window");
        if (w == null || !w.isObject()) {
            throw new BadAnswerException("result has no 'window' object");
        }
        return new Stamp(whole(n, "orgId", "orgId"), instant(w, "end", "window.end"));
    }

    record Stamp(long orgId, Instant windowEnd) {
    }

    private static JsonNode tree(byte[] value) throws BadAnswerException {
        if (value == null) {
            throw new BadAnswerException("result is null (a tombstone?)");
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(value);
        } catch (IOException e) {
            throw new BadAnswerException("result is not JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (n == null || !n.isObject()) {
            throw new BadAnswerException("result is not a JSON object");
        }
        return n;
    }

    private static Window window(JsonNode n) throws BadAnswerException {
        JsonNode w = n.get("window");
        if (w == null || !w.isObject()) {
            throw new BadAnswerException("result has no 'window' object");
        }
        Instant start = instant(w, "start", "window.start");
        Instant end = instant(w, "end", "window.end");
        if (!start.isBefore(end)) {
            throw new BadAnswerException("result's window.start " + start + " is not before window.end " + end);
        }
        return new Window(start, end);
    }

    private static long whole(JsonNode n, String field, String path) throws BadAnswerException {
        JsonNode x = n.get(field);
        if (x == null || !x.isIntegralNumber() || !x.canConvertToLong()) {
            throw new BadAnswerException("result's " + path + " is " + (x == null ? "missing" : x.toString())
                    + "; expected a whole number");
        }
        return x.asLong();
    }

    private static double number(JsonNode n, String field, String path) throws BadAnswerException {
        JsonNode x = n.get(field);
        if (x == null || !x.isNumber()) {
            throw new BadAnswerException("result's " + path + " is " + (x == null ? "missing" : x.toString())
                    + "; expected a number");
        }
        return x.asDouble();
    }

    private static String text(JsonNode n, String field, String path) throws BadAnswerException {
        JsonNode x = n.get(field);
        if (x == null || !x.isTextual()) {
            throw new BadAnswerException("result's " + path + " is " + (x == null ? "missing" : x.toString())
                    + "; expected a string");
        }
        return x.asText();
    }

    private static Instant instant(JsonNode n, String field, String path) throws BadAnswerException {
        String text = text(n, field, path);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new BadAnswerException("result's " + path + " '" + text + "' is not an instant such as 2026-11-28T12:00:00Z");
        }
    }
}
