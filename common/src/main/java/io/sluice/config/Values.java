package io.sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.redis.RedisTarget;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Typed reads of the merged config tree, with errors that name the key, the value and what would be valid. */
record Values(ObjectNode tree) {
    static JsonNode at(JsonNode root, String key) {
        JsonNode n = root;
        for (String part : key.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n;
    }

    JsonNode node(String key) {
        JsonNode n = at(tree, key);
        if (n == null || n.isNull() || (n.isTextual() && n.asText().isBlank())) {
            throw new ConfigException(key, key + " is required but empty");
        }
        return n;
    }

    String text(String key) {
        return node(key).asText().trim();
    }

    long longIn(String key, long min, long max) {
        String s = text(key);
        long x;
        try {
            x = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, key + ": '" + s + "' is not a whole number; valid: " + min + ".." + max);
        }
        if (x < min || x > max) {
            throw new ConfigException(key, key + ": " + x + " is out of range; valid: " + min + ".." + max);
        }
        return x;
    }

    int intIn(String key, int min, int max) {
        return (int) longIn(key, min, max);
    }

    boolean bool(String key) {
        String s = text(key).toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key, key + ": '" + s + "' is not a boolean; valid: true, false");
        };
    }

    Duration positive(String key) {
        Duration d = Durations.parse(key, text(key));
        if (d.isZero()) {
            throw new ConfigException(key, key + " must be longer than 0 (e.g. 250ms, 2s, 5m)");
        }
        return d;
    }

    Duration nonNegative(String key) {
        return Durations.parse(key, text(key));
    }

    Duration durationIn(String key, Duration min, Duration max) {
        Duration d = Durations.parse(key, text(key));
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(key, key + ": " + Durations.format(d) + " is out of range; valid: "
                    + Durations.format(min) + ".." + Durations.format(max));
        }
        return d;
    }

    URI httpUrl(String key) {
        String s = text(key);
        try {
            URI u = new URI(s);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new URISyntaxException(s, "need http:// or https:// and a host");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException(key, key + ": '" + s + "' is not an http(s) URL like http://localhost:1218");
        }
    }

    String redisUri(String key) {
        String s = text(key);
        try {
            RedisTarget.parse(s);   // the one parser the connections use: server, Sentinel or Cluster
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        return s;
    }

    Map<String, String> map(String key) {
        Map<String, String> out = new TreeMap<>();
        JsonNode n = at(tree, key);
        if (n != null && n.isObject()) {
            n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
