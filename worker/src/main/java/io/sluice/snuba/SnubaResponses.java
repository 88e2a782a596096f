package io.sluice.snuba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Snuba's answers into {@link SnubaOutcome}s. A 200 whose rows lack a field or carry a wrong type is a
 * {@link SnubaOutcome.Failed}: projecting from a partial answer would publish wrong thresholds, while a retry
 * (and finally the dead-letter topic) keeps the org visible. Unknown fields, such as {@code meta}, are ignored.
 */
final class SnubaResponses {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_ECHO = 300;

    private SnubaResponses() {
    }

    static SnubaOutcome outcome(int status, byte[] body, Duration latency) {
        if (status >= 200 && status < 300) {
            try {
                return new SnubaOutcome.Ok(rows(body), latency);
            } catch (BadAnswer e) {
                return new SnubaOutcome.Failed("unreadable " + status + " answer: " + e.getMessage(), status);
            }
        }
        JsonNode error = errorNode(body);
        String message = error.path("message").isTextual() ? error.get("message").asText() : echo(body);
        if (status == 429) {
            return new SnubaOutcome.RateLimited(message);
        }
        if (status >= 400 && status < 500) {
            String type = error.path("type").isTextual() ? error.get("type").asText() : "unknown";
            return new SnubaOutcome.Rejected(status, type, message);
        }
        return new SnubaOutcome.Failed("HTTP " + status + ": " + message, status);
    }

    static List<HourlyTotal> rows(byte[] body) throws BadAnswer {
        JsonNode root = tree(body);
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray()) {
            throw new BadAnswer("no 'data' array in " + echo(body));
        }
        List<HourlyTotal> rows = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            JsonNode row = data.get(i);
            try {
                rows.add(new HourlyTotal(integer(row, "project_id"), time(row), integer(row, "total")));
            } catch (IllegalArgumentException e) {
                throw new BadAnswer("data[" + i + "]: " + e.getMessage());
            }
        }
        return rows;
    }

    /** Snuba writes {@code +00:00}; a {@code Z} or no offset at all is read as UTC too. */
    static Instant parseTime(String s) {
        TemporalAccessor t = DateTimeFormatter.ISO_DATE_TIME.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
        return t instanceof OffsetDateTime o ? o.toInstant() : ((LocalDateTime) t).toInstant(ZoneOffset.UTC);
    }

    private static long integer(JsonNode row, String field) {
        JsonNode x = row.get(field);
        if (x == null || !x.isIntegralNumber() || !x.canConvertToLong()) {
            throw new IllegalArgumentException("'" + field + "' is missing or not an integer (row " + row + ")");
        }
        return x.asLong();
    }

    private static Instant time(JsonNode row) {
        JsonNode x = row.get("time");
        if (x == null || !x.isTextual()) {
            throw new IllegalArgumentException("'time' is missing or not a string (row " + row + ")");
        }
        try {
            return parseTime(x.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'time' = '" + x.asText() + "' is not an ISO date-time");
        }
    }

    private static JsonNode errorNode(byte[] body) {
        try {
            JsonNode root = tree(body);
            return root == null ? MAPPER.missingNode() : root.path("error");
        } catch (BadAnswer e) {
            return MAPPER.missingNode();
        }
    }

    private static JsonNode tree(byte[] body) throws BadAnswer {
        try {
            return body.length == 0 ? null : MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadAnswer("not JSON: " + echo(body));
        }
    }

    private static String echo(byte[] body) {
        if (body.length == 0) {
            return "(empty body)";
        }
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
    }

    static final class BadAnswer extends Exception {
        BadAnswer(String message) {
            super(message);
        }
    }
}
