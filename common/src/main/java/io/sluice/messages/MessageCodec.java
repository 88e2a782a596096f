package io.sluice.messages;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JSON wire format of the messages of DESIGN section 4. Decoding is strict about what is required
 * (a missing field, a wrong type or {@code v} > 1 is a {@link PoisonRecordException}) and lenient
 * about what is not (unknown fields are ignored).
 */
public final class MessageCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private MessageCodec() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    // ---- batches -------------------------------------------------------------------------

    public static byte[] encode(Batch b) {
        ObjectNode n = F.objectNode();
        n.put("v", b.v());
        n.put("job", b.job());
        n.put("runId", b.runId());
        n.put("seq", b.seq());
        ArrayNode ids = n.putArray("orgIds");
        b.orgIds().forEach(ids::add);
        n.set("window", window(b.window()));
        n.put("publishedAt", b.publishedAt().toString());
        if (b.slotClass() != null) {
            n.put("class", b.slotClass());
        }
        return bytes(n);
    }

    public static Batch decodeBatch(byte[] value) throws PoisonRecordException {
        JsonNode n = parse(value);
        int v = requireInt(n, "v");
        if (v < 1 || v > Batch.VERSION) {
            throw new PoisonRecordException("unsupported v=" + v + "; this worker reads v=1");
        }
        String job = requireText(n, "job");
        if (!Batch.JOB_NAME.matcher(job).matches()) {
            // A well-formed name of a job this worker lacks is not poison: the worker dead-letters it as unknown-job.
            throw new PoisonRecordException("field 'job' = '" + truncate(job) + "' is not a job name (lower-case letters, digits, '-')");
        }
        String runId = requireText(n, "runId");
        long seq = requireLong(n, "seq");
        JsonNode ids = n.get("orgIds");
        if (ids == null || !ids.isArray()) {
            throw new PoisonRecordException("field 'orgIds' is missing or not an array");
        }
        if (ids.isEmpty()) {
            throw new PoisonRecordException("field 'orgIds' is empty; a batch needs 1.." + Batch.MAX_ORG_IDS + " org ids");
        }
        if (ids.size() > Batch.MAX_ORG_IDS) {
            throw new PoisonRecordException("field 'orgIds' has " + ids.size() + " ids; at most " + Batch.MAX_ORG_IDS + " are allowed");
        }
        List<Long> orgIds = new ArrayList<>(ids.size());
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            JsonNode id = ids.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToLong()) {
                throw new PoisonRecordException("orgIds[" + i + "] = " + id + " is not an integer org id");
            }
            long org = id.asLong();
            if (org <= 0) {
                throw new PoisonRecordException("orgIds[" + i + "] = " + org + " is not a positive org id");
            }
            if (seen.add(org)) {   // a duplicate id is projected once; the result is an upsert anyway
                orgIds.add(org);
            }
        }
        Window window = requireWindow(n);
        Instant publishedAt = n.hasNonNull("publishedAt") ? instant(n, "publishedAt") : Instant.EPOCH;
        String slotClass = null;
        if (n.hasNonNull("class")) {
            slotClass = n.get("class").asText();
            if (!slotClass.matches("[A-Za-z0-9_.-]+")) {
                throw new PoisonRecordException("field 'class' = '" + slotClass + "' is not a slot class name (letters, digits, '_', '.', '-')");
            }
        }
        return new Batch(v, job, runId, seq, orgIds, window, publishedAt, slotClass);
    }

    // ---- helpers -------------------------------------------------------------------------

    private static ObjectNode window(Window w) {
        ObjectNode n = F.objectNode();
        n.put("start", w.start().toString());
        n.put("end", w.end().toString());
        return n;
    }

    private static Window requireWindow(JsonNode n) throws PoisonRecordException {
        JsonNode w = n.get("window");
        if (w == null || !w.isObject()) {
            throw new PoisonRecordException("field 'window' is missing or not an object with start and end");
        }
        Instant start = instant(w, "start");
        Instant end = instant(w, "end");
        if (!start.isBefore(end)) {
            throw new PoisonRecordException("window.start " + start + " is not before window.end " + end);
        }
        return new Window(start, end);
    }

    private static JsonNode parse(byte[] value) throws PoisonRecordException {
        if (value == null) {
            throw new PoisonRecordException("record has no value (tombstone)");
        }
        try {
            JsonNode n = MAPPER.readTree(value);
            if (n == null || !n.isObject()) {
                throw new PoisonRecordException("value is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new PoisonRecordException("value is not valid JSON: " + firstLine(e.getMessage()), e);
        }
    }

    private static int requireInt(JsonNode n, String field) throws PoisonRecordException {
        JsonNode x = n.get(field);
        if (x == null || !x.isIntegralNumber() || !x.canConvertToInt()) {
            throw new PoisonRecordException("field '" + field + "' is missing or not an integer" + got(x));
        }
        return x.asInt();
    }

    private static long requireLong(JsonNode n, String field) throws PoisonRecordException {
        JsonNode x = n.get(field);
        if (x == null || !x.isIntegralNumber() || !x.canConvertToLong()) {
            throw new PoisonRecordException("field '" + field + "' is missing or not an integer" + got(x));
        }
        return x.asLong();
    }

    private static String requireText(JsonNode n, String field) throws PoisonRecordException {
        JsonNode x = n.get(field);
        if (x == null || !x.isTextual() || x.asText().isBlank()) {
            throw new PoisonRecordException("field '" + field + "' is missing or not a non-empty string" + got(x));
        }
        return x.asText();
    }

    private static Instant instant(JsonNode n, String field) throws PoisonRecordException {
        String s = requireText(n, field);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new PoisonRecordException("field '" + field + "' = '" + s + "' is not an ISO-8601 instant like 2026-11-21T00:00:00Z");
        }
    }

    private static long[] longs(JsonNode n, String field) throws PoisonRecordException {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) {
            throw new PoisonRecordException("field '" + field + "' is missing or not an array");
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asLong();
        }
        return out;
    }

    private static String got(JsonNode x) {
        return x == null ? "" : " (got " + truncate(x.toString()) + ")";
    }

    private static String truncate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
