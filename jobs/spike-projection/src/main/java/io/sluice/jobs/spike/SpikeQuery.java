package io.sluice.jobs.spike;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.messages.Window;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The request body of DESIGN section 5, kept apart from the transport so its exact text is easy to check. */
public final class SpikeQuery {
    public static final String APP_ID = "sluice";
    /** Snuba's {@code toDateTime} takes a zone-less timestamp and reads it as UTC; sub-seconds are dropped. */
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SpikeQuery() {
    }

    public static String snql(String dataset, long orgId, Window window) {
        return "MATCH (" + dataset + ") SELECT sum(quantity) AS total BY project_id, time"
                + " WHERE org_id = " + orgId
                + " AND timestamp >= toDateTime('" + timestamp(window.start()) + "')"
                + " AND timestamp < toDateTime('" + timestamp(window.end()) + "')"
                + " AND outcome = 0 GRANULARITY 3600";
    }

    public static byte[] body(String dataset, String referrer, long orgId, Window window) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("query", snql(dataset, orgId, window));
        n.put("dataset", dataset);
        n.put("app_id", APP_ID);
        ObjectNode tenants = n.putObject("tenant_ids");
        tenants.put("referrer", referrer);
        tenants.put("organization_id", orgId);
        try {
            return MAPPER.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a tree of strings and numbers", e);
        }
    }

    private static String timestamp(Instant t) {
        return TIMESTAMP.format(t);
    }
}
