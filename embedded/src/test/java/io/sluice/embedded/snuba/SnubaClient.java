package io.sluice.embedded.snuba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/** A small JDK HttpClient wrapper that sends what Sluice's Snuba client sends. */
final class SnubaClient implements AutoCloseable {
    static final String REFERRER = "getsentry.get_spike_projections";
    static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    SnubaClient(String url) {
        this.url = url;
    }

    record Reply(int status, JsonNode body) {}

    static String snql(long orgId, String start, String end) {
        return "MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time WHERE org_id = " + orgId
                + " AND timestamp >= toDateTime('" + start + "') AND timestamp < toDateTime('" + end
                + "') AND outcome = 0 GRANULARITY 3600";
    }

    static String body(String query, Long tenantOrg) {
        var node = JSON.createObjectNode().put("query", query).put("dataset", "outcomes").put("app_id", "sluice");
        var tenants = node.putObject("tenant_ids").put("referrer", REFERRER);
        if (tenantOrg != null) {
            tenants.put("organization_id", tenantOrg);
        }
        return node.toString();
    }

    CompletableFuture<Reply> queryAsync(long orgId) {
        return postAsync("/outcomes/snql", body(snql(orgId, "2026-11-21T00:00:00", "2026-11-28T00:00:00"), orgId));
    }

    Reply query(long orgId) {
        return queryAsync(orgId).join();
    }

    CompletableFuture<Reply> postAsync(String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + path))
                .timeout(Duration.ofSeconds(20))
                .header("Referer", REFERRER)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(SnubaClient::reply);
    }

    Reply post(String path, String body) {
        return postAsync(path, body).join();
    }

    Reply get(String path) {
        try {
            return reply(http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Reply reply(HttpResponse<String> response) {
        try {
            return new Reply(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException("answer is not JSON: " + response.body(), e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
