package io.sluice.redis;

import io.lettuce.core.RedisURI;
import io.sluice.config.Redaction;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Redis is, parsed from the one {@code redis.uri} setting:
 * <ul>
 *   <li>{@code redis://[user:password@]host:port[/db]} or {@code rediss://} (TLS): one server;</li>
 *   <li>{@code redis-sentinel://[password@]host:port[,host:port...]/[db]#master}: behind Sentinel, as Lettuce parses it;</li>
 *   <li>{@code redis-cluster://[user:password@]host:port[,host:port...]} or {@code rediss-cluster://}: a Redis
 *       Cluster, the hosts being seeds (any node will do; the client learns the topology).</li>
 * </ul>
 *
 * @param cluster whether this is a Cluster
 * @param uris    one URI for a server or Sentinel group; one per seed for a Cluster
 */
public record RedisTarget(boolean cluster, List<RedisURI> uris) {
    static final String VALID = "redis://host:6379, rediss://host:6380 (TLS), redis://user:password@host:6379, "
            + "redis-sentinel://host:26379[,host:26379]#master, redis-cluster://host:6379[,host:6379] (rediss-cluster:// for TLS)";

    public RedisTarget {
        uris = List.copyOf(uris);
    }

    /** Parses {@code uri}; a malformed one is an {@link IllegalArgumentException} naming the forms that are valid. */
    public static RedisTarget parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("redis.uri must be set; valid: " + VALID);
        }
        String text = uri.strip();
        int scheme = text.indexOf("://");
        String kind = scheme < 0 ? "" : text.substring(0, scheme);
        try {
            return switch (kind) {
                case "redis-cluster", "rediss-cluster" -> cluster(kind.startsWith("rediss") ? "rediss" : "redis",
                        text.substring(scheme + 3));
                case "redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket" ->
                        new RedisTarget(false, List.of(RedisURI.create(text)));
                default -> throw new IllegalArgumentException("unknown scheme '" + kind + "'");
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("redis.uri: '" + redact(text) + "' is not a Redis URI (" + e.getMessage()
                    + "); valid forms: " + VALID, e);
        }
    }

    private static RedisTarget cluster(String scheme, String rest) {
        int at = rest.lastIndexOf('@');
        String auth = at < 0 ? "" : rest.substring(0, at + 1);
        String hostsAndPath = rest.substring(at + 1);
        int end = indexOfAny(hostsAndPath, "/?#");
        String hosts = end < 0 ? hostsAndPath : hostsAndPath.substring(0, end);
        String tail = end < 0 ? "" : hostsAndPath.substring(end);
        List<RedisURI> seeds = new ArrayList<>();
        for (String host : hosts.split(",")) {
            if (host.isBlank()) {
                throw new IllegalArgumentException("empty host in the seed list");
            }
            seeds.add(RedisURI.create(scheme + "://" + auth + host.strip() + tail));
        }
        return new RedisTarget(true, seeds);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** The URI with any password hidden, for messages and logs. */
    public static String redact(String uri) {
        return uri == null ? "" : Redaction.uri(uri);
    }
}
