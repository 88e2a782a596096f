package io.sluice.jobs.sampling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.BadAnswerException;
import io.sluice.messages.Window;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads Snuba's 200 answer, {@code {"data":[{"project_id":N,"time":"...","total":N},...],...}}, into each project's
 * volume over the window: the sum of its rows. A project without a row is absent (not listed with 0).
 */
final class VolumesAnswer {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private VolumesAnswer() {
    }

    /** Volume by project id, ascending; {@link BadAnswerException} saying what is wrong with anything else. */
    static SortedMap<Long, Long> read(byte[] body, Window window) throws BadAnswerException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadAnswerException("answer is not JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new BadAnswerException("answer is not a JSON object");
        }
        JsonNode data = root.get("data");
        if (data == null || !data.isArray()) {
            throw new BadAnswerException("answer has no 'data' array");
        }
        SortedMap<Long, Long> volumes = new TreeMap<>();
        for (int i = 0; i < data.size(); i++) {
            JsonNode row = data.get(i);
            if (!row.isObject()) {
                throw new BadAnswerException("data[" + i + "] is not an object");
            }
            long project = count(row, "project_id", i);
            long total = count(row, "total", i);
            Instant time = time(row, i);
            if (time.isBefore(window.start().truncatedTo(ChronoUnit.HOURS)) || !time.isBefore(window.end())) {
                throw new BadAnswerException("data[" + i + "].time " + time + " is outside the window " + window.start()
                        + " .. " + window.end());
            }
            try {
                volumes.merge(project, total, Math::addExact);
            } catch (ArithmeticException e) {
                throw new BadAnswerException("project " + project + "'s totals overflow a long");
            }
        }
        return volumes;
    }

    private static long count(JsonNode row, String field, int i) throws BadAnswerException {
        JsonNode n = row.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new BadAnswerException("data[" + i + "]." + field + " is " + (n == null ? "missing" : n.toString())
                    + "; expected a whole number >= 0");
        }
        return n.asLong();
    }

    private static Instant time(JsonNode row, int i) throws BadAnswerException {
        JsonNode n = row.get("time");
        if (n == null || !n.isTextual()) {
            throw new BadAnswerException("data[" + i + "].time is " + (n == null ? "missing" : n.toString())
                    + "; expected a date-time such as 2026-11-28T11:00:00+00:00");
        }
        try {
            return OffsetDateTime.parse(n.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadAnswerException("data[" + i + "].time '" + n.asText()
                    + "' is not a date-time such as 2026-11-28T11:00:00+00:00");
        }
    }
}
