package io.sluice.jobs.sampling;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.job.Query;
import io.sluice.messages.Window;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The one Snuba query per org: accepted events ({@code outcome = 0}) per project and hour over the window, the same
 * SnQL shape the spike projection sends, so a Snuba (or the simulator) that answers one answers the other.
 */
final class OutcomesQuery {
    static final String APP_ID = "sluice";
    /** Snuba's {@code toDateTime} reads a zone-less timestamp as UTC; sub-seconds are dropped. */
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OutcomesQuery() {
    }

    static String snql(String dataset, long orgId, Window window) {
        return "MATCH (" + dataset + ") SELECT sum(quantity) AS total BY project_id, time"
                + " WHERE org_id = " + orgId
                + " AND timestamp >= toDateTime('" + TIMESTAMP.format(window.start()) + "')"
                + " AND timestamp < toDateTime('" + TIMESTAMP.format(window.end()) + "')"
                + " AND outcome = 0 GRANULARITY 3600";
    }

    /** {@code {"query":..,"dataset":..,"app_id":"sluice","tenant_ids":{"referrer":..,"organization_id":N}}}. */
    static Query of(SamplingSettings settings, long orgId, Window window) {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("query", snql(settings.dataset(), orgId, window));
            g.writeStringField("dataset", settings.dataset());
            g.writeStringField("app_id", APP_ID);
            g.writeObjectFieldStart("tenant_ids");
            g.writeStringField("referrer", settings.referrer());
            g.writeNumberField("organization_id", orgId);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a query body into memory", e);
        }
        return new Query(settings.dataset(), out.toByteArray());
    }
}
