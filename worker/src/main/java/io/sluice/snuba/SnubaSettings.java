package io.sluice.snuba;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Config section {@code snuba}.
 *
 * @param url      base URL; the query goes to {@code {url}/{dataset}/snql}
 * @param dataset  both the path segment and the SnQL entity, so it is held to a plain identifier
 * @param referrer sent as the {@code Referer} header and in {@code tenant_ids}: Snuba applies its concurrency
 *                 limit per referrer, so this is the name the slot pool's limit must match
 * @param timeout  bound on the whole exchange, connect through the last body byte
 */
public record SnubaSettings(URI url, String dataset, String referrer, Duration timeout) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]+");

    public SnubaSettings {
        Objects.requireNonNull(url, "snuba.url");
        if (!url.isAbsolute() || !("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw new IllegalArgumentException("snuba.url must be an absolute http:// or https:// URL, got '" + url + "'");
        }
        if (dataset == null || !IDENTIFIER.matcher(dataset).matches()) {
            throw new IllegalArgumentException("snuba.dataset must be a lower-case identifier like 'outcomes', got '" + dataset + "'");
        }
        if (referrer == null || !HEADER_SAFE.matcher(referrer).matches()) {
            throw new IllegalArgumentException("snuba.referrer must be non-empty printable ASCII without spaces, got '" + referrer + "'");
        }
        Objects.requireNonNull(timeout, "snuba.timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("snuba.timeout must be positive, got " + timeout);
        }
    }

    public static SnubaSettings defaults() {
        return new SnubaSettings(URI.create("http://localhost:1218"), "outcomes", "getsentry.get_spike_projections",
                Duration.ofSeconds(30));
    }

    /** {@code {url}/{dataset}/snql} for the configured dataset. */
    public URI endpoint() {
        return endpoint(dataset);
    }

    /** {@code {url}/{dataset}/snql}, keeping any path prefix of the base URL. */
    public URI endpoint(String dataset) {
        if (dataset == null || !IDENTIFIER.matcher(dataset).matches()) {
            throw new IllegalArgumentException("a query's dataset must be a lower-case identifier like 'outcomes', got '" + dataset + "'");
        }
        String base = url.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/" + dataset + "/snql");
    }
}
