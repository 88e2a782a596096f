package io.sluice.snuba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sorts Snuba's answers into {@link SnubaOutcome}s by status: a 2xx is the job's to read; 429, other 4xx and 5xx
 * carry Snuba's error message. The body of a 2xx is not read here: what a good answer holds is the job's business.
 */
final class SnubaResponses {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_ECHO = 300;

    private SnubaResponses() {
    }

    static SnubaOutcome outcome(int status, byte[] body, Duration latency) {
        if (status >= 200 && status < 300) {
            return new SnubaOutcome.Ok(body, latency);
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

    private static JsonNode errorNode(byte[] body) {
        try {
            JsonNode root = body.length == 0 ? null : MAPPER.readTree(body);
            return root == null ? MAPPER.missingNode() : root.path("error");
        } catch (IOException e) {
            return MAPPER.missingNode();
        }
    }

    private static String echo(byte[] body) {
        if (body.length == 0) {
            return "(empty body)";
        }
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
    }
}
