package io.sluice.embedded.snuba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** The {@code POST /{dataset}/snql} path: validate, admit, hold, answer (DESIGN section 5). */
final class SnqlHandler {
    private final ObjectMapper json;
    private final SnqlAnswers answers;
    private final ConcurrencyGate gate;
    private final RequestCounters counters;
    private final Random random;
    private final LatencyModel latency;
    private final Duration maxStall;
    private final Supplier<Faults> faults;
    private final Supplier<CompletableFuture<Void>> unstalled;

    SnqlHandler(ObjectMapper json, SyntheticData data, ConcurrencyGate gate, RequestCounters counters, Random random,
                LatencyModel latency, Duration maxStall, Supplier<Faults> faults,
                Supplier<CompletableFuture<Void>> unstalled) {
        this.json = json;
        this.answers = new SnqlAnswers(data, SnqlAnswers.DEFAULT_MAX_ENTRIES, SnqlAnswers.DEFAULT_MAX_BYTES);
        this.gate = gate;
        this.counters = counters;
        this.random = random;
        this.latency = latency;
        this.maxStall = maxStall;
        this.faults = faults;
        this.unstalled = unstalled;
    }

    /**
     * An answer: HTTP status and JSON body, either serialized already ({@code byte[]} or {@link WithQuotaStats}) or a
     * value for Jackson.
     */
    record Answer(int status, Object body) {}

    Answer handle(String referrerHeader, byte[] body) throws InterruptedException {
        counters.requests.increment();
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (Exception e) {
            return invalid("body is not JSON: " + e.getMessage());
        }
        if (request == null || !request.isObject()) {
            return invalid("body is not a JSON object");
        }
        SnqlQuery query;
        try {
            query = SnqlQuery.parse(request.path("query").asText(null));
        } catch (SnqlQuery.InvalidQueryException e) {
            return invalid(e.getMessage());
        }
        JsonNode tenantOrg = request.path("tenant_ids").path("organization_id");
        if (!tenantOrg.canConvertToLong()) {
            return invalid("tenant_ids.organization_id is missing; it must equal the query's org_id " + query.orgId());
        }
        if (tenantOrg.asLong() != query.orgId()) {
            return invalid("tenant_ids.organization_id " + tenantOrg.asLong() + " differs from the query's org_id "
                    + query.orgId());
        }
        String referrer = referrerHeader != null && !referrerHeader.isBlank() ? referrerHeader
                : request.path("tenant_ids").path("referrer").asText("<unknown>");
        counters.query(query.orgId());

        Faults f = faults.get();
        if (f.extra429Ratio() > 0 && random.nextDouble() < f.extra429Ratio()) {
            return rateLimited(referrer, gate.inFlight(referrer), "injected");
        }
        if (!gate.tryEnter(referrer)) {
            return rateLimited(referrer, gate.limit(), "over the limit");
        }
        int used = gate.inFlight(referrer);   // this query included, as Snuba's quota_used counts it
        try {
            holdWhileStalled();
            Faults held = faults.get();
            // A client that hangs up does not stop the query: it runs (and counts in flight) to its end.
            long millis = held.slowRatio() > 0 && random.nextDouble() < held.slowRatio() ? held.slowMillis()
                    : Math.round(latency.sampleMillis(random) * held.slowdown());
            if (millis > 0) {
                Thread.sleep(millis);
            }
            Faults now = faults.get();
            if (now.failOrgs().contains(query.orgId())) {
                return serverError("simulated failure for organization " + query.orgId());
            }
            if (now.errorRatio() > 0 && random.nextDouble() < now.errorRatio()) {
                return serverError("simulated ClickHouse error");
            }
            counters.ok(query.orgId());
            return new Answer(200, new WithQuotaStats(answers.body(query), used, gate.limit()));
        } finally {
            gate.exit(referrer); // before the answer is written: a client that got it may send its next query at once
        }
    }

    private void holdWhileStalled() throws InterruptedException {
        CompletableFuture<Void> gateOpen = unstalled.get();
        if (gateOpen.isDone()) {
            return;
        }
        try {
            gateOpen.get(maxStall.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // A stall is bounded: the query goes on as if un-stalled.
        }
    }

    private Answer invalid(String message) {
        counters.badRequests.increment();
        return new Answer(400, Map.of("error", Map.of("type", "invalid_query", "message", message)));
    }

    private Answer serverError(String message) {
        counters.serverErrors.increment();
        return new Answer(500, Map.of("error", Map.of("type", "clickhouse", "message", message, "code", 1000)));
    }

    /**
     * A 200's body: {@code body} with Snuba's {@code stats.quota_allowance} in place of its closing brace, as
     * successful answers carry it: the concurrent policy's {@code quota_used} (in flight for the referrer when this
     * query was admitted) and {@code rejection_threshold} (the limit). Written as two slices, so the (possibly
     * cached) body is never copied.
     */
    record WithQuotaStats(SnqlAnswers.Body body, byte[] stats) {
        WithQuotaStats(SnqlAnswers.Body body, int used, int limit) {
            this(body, quotaStats(used, limit));
        }

        int length() {
            return body.length() - 1 + stats.length;
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(body.bytes(), 0, body.length() - 1);   // all but the closing brace
            out.write(stats);
        }

        byte[] toArray() {
            byte[] all = Arrays.copyOf(body.bytes(), length());
            System.arraycopy(stats, 0, all, body.length() - 1, stats.length);
            return all;
        }
    }

    /** The {@code ,"stats":{...}}} that ends a 200, closing brace of the answer included. */
    static byte[] quotaStats(int used, int limit) {
        String stats = ",\"stats\":{\"quota_allowance\":{\"summary\":{\"threads_used\":10,\"is_successful\":true,"
                + "\"is_rejected\":false,\"is_throttled\":false},\"details\":{\"ConcurrentRateLimitAllocationPolicy\":"
                + "{\"can_run\":true,\"max_threads\":10,\"is_throttled\":false,\"throttle_threshold\":" + limit
                + ",\"rejection_threshold\":" + limit + ",\"quota_used\":" + used
                + ",\"quota_unit\":\"concurrent_queries\",\"suggestion\":\"\"}}}}}";
        return stats.getBytes(StandardCharsets.US_ASCII);
    }

    private Answer rateLimited(String referrer, int used, String why) {
        counters.rateLimited.increment();
        int limit = gate.limit();
        String reason = "concurrent policy " + used + " exceeds limit of " + limit + " for referrer " + referrer
                + " (" + why + ")";
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("can_run", false);
        policy.put("max_threads", 0);
        policy.put("explanation", Map.of("reason", reason, "overrides", Map.of(), "storage_key", "StorageKey.OUTCOMES_HOURLY"));
        policy.put("is_throttled", false);
        policy.put("throttle_threshold", limit);
        policy.put("rejection_threshold", limit);
        policy.put("quota_used", used + 1);
        policy.put("quota_unit", "concurrent_queries");
        policy.put("suggestion", "scan less concurrently please");
        Map<String, Object> allowance = Map.of(
                "details", Map.of("ConcurrentRateLimitAllocationPolicy", policy),
                "summary", Map.of("threads_used", 0, "is_successful", false, "is_rejected", true,
                        "is_throttled", false, "rejection_storage_key", "StorageKey.OUTCOMES_HOURLY"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", Map.of("type", "rate-limited",
                "message", "Query on could not be run due to allocation policies, info: " + reason));
        body.put("quota_allowance", allowance);
        return new Answer(429, body);
    }
}
