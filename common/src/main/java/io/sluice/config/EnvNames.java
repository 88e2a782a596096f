package io.sluice.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which config key a {@code SLUICE_*} environment variable sets. A name that sets none is an error
 * (a typo like {@code SLUICE_SLOTS_LIMT} must not run on the default), except the variables Sluice
 * reads elsewhere and the ones Kubernetes injects for a Service whose name starts with {@code sluice}
 * (service links). A service link is known by its name <em>and</em> its value, both as the kubelet
 * writes them, so that a typo such as {@code SLUICE_METRIC_PORT=9500} is not taken for one:
 * <pre>
 * SLUICE_X_SERVICE_HOST=10.0.0.11              SLUICE_X_PORT=tcp://10.0.0.11:9400
 * SLUICE_X_SERVICE_PORT=9400                   SLUICE_X_PORT_9400_TCP=tcp://10.0.0.11:9400
 * SLUICE_X_SERVICE_PORT_METRICS=9400           SLUICE_X_PORT_9400_TCP_PROTO=tcp
 *                                              SLUICE_X_PORT_9400_TCP_PORT=9400
 *                                              SLUICE_X_PORT_9400_TCP_ADDR=10.0.0.11
 * </pre>
 */
final class EnvNames {
    /** SLUICE_ variables that are not config keys (read elsewhere). */
    static final Set<String> NOT_CONFIG = Set.of("SLUICE_JAVA_OPTS", "SLUICE_ORGS_JDBC_USER",
            "SLUICE_ORGS_JDBC_PASSWORD", "SLUICE_LOG_FORMAT", "SLUICE_LOG_LEVEL", "SLUICE_CONFIG", "SLUICE_TEST_KAFKA_BOOTSTRAP");
    private static final String IP = "(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)";
    private static final Pattern LINK_URL = Pattern.compile(
            "(tcp|udp|sctp)://(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]):([0-9]{1,5})");
    private static final String SERVICE = "SLUICE(?:_[A-Z0-9_]+)?";
    private static final Pattern SERVICE_HOST = Pattern.compile(SERVICE + "_SERVICE_HOST");
    private static final Pattern SERVICE_PORT = Pattern.compile(SERVICE + "_SERVICE_PORT(?:_[A-Z0-9_]+)?");
    private static final Pattern PORT = Pattern.compile(SERVICE + "_PORT");
    private static final Pattern PORT_PROTO = Pattern.compile(SERVICE + "_PORT_([0-9]{1,5})_(TCP|UDP|SCTP)");
    private static final Pattern PORT_PROTO_PART = Pattern.compile(SERVICE + "_PORT_([0-9]{1,5})_(TCP|UDP|SCTP)_(PROTO|PORT|ADDR)");

    private final Map<String, String> byEnvName = new TreeMap<>();
    private final Collection<String> passthrough;

    EnvNames(Collection<String> leafKeys, Collection<String> passthrough) {
        this.passthrough = passthrough;
        for (String key : leafKeys) {
            if (!passthrough.contains(key) && passthrough.stream().noneMatch(p -> key.startsWith(p + "."))) {
                byEnvName.put(ConfigLoader.envName(key), key);
            }
        }
    }

    /**
     * The config key {@code name} sets; empty for a variable that is not Sluice's or is a service link.
     * Throws a {@link ConfigException} naming the variable and the valid names for any other {@code SLUICE_*}.
     */
    Optional<String> keyOf(String name, String value) {
        if (!name.startsWith("SLUICE_") || NOT_CONFIG.contains(name)) {
            return Optional.empty();
        }
        // A Service named sluice-metrics injects SLUICE_METRICS_PORT=tcp://..., metrics.port's own name: the value tells.
        if (isServiceLink(name, value)) {
            return Optional.empty();
        }
        String key = byEnvName.get(name);
        if (key != null) {
            return Optional.of(key);
        }
        for (String section : passthrough) {
            String p = ConfigLoader.envName(section) + "_";
            if (name.startsWith(p) && name.length() > p.length()) {
                return Optional.of(section + "." + name.substring(p.length()).toLowerCase(Locale.ROOT).replace('_', '.'));
            }
        }
        String nearest = nearest(name);
        if (!nearest.isEmpty()) {
            // A near miss: the suggestion is the useful part, not a 2 KB list of every name.
            throw new ConfigException(name, "environment variable " + name + " names no config key" + nearest
                    + linkHint(name) + " (every key's variable is SLUICE_ and the key in upper snake case: README, Configuration)");
        }
        throw new ConfigException(name, "environment variable " + name + " names no config key"
                + linkHint(name) + "; valid: " + String.join(", ", byEnvName.keySet()) + ", " + String.join(", ",
                passthrough.stream().map(s -> ConfigLoader.envName(s) + "_<KAFKA KEY>").sorted().toList())
                + " (and, not config keys, " + String.join(", ", new java.util.TreeSet<>(NOT_CONFIG)) + ")");
    }

    /**
     * Whether {@code name=value} is a variable the kubelet injects for a Service: a name of one of the
     * forms above with a value of that form's shape (a name may read as more than one form).
     */
    static boolean isServiceLink(String name, String value) {
        if (value == null) {
            return false;
        }
        if (SERVICE_HOST.matcher(name).matches() && value.matches(IP)
                || SERVICE_PORT.matcher(name).matches() && value.matches("[0-9]{1,5}")
                || PORT.matcher(name).matches() && LINK_URL.matcher(value).matches()) {
            return true;
        }
        Matcher m = PORT_PROTO.matcher(name);
        if (m.matches()) {
            Matcher url = LINK_URL.matcher(value);
            if (url.matches() && url.group(1).equals(m.group(2).toLowerCase(Locale.ROOT)) && url.group(2).equals(m.group(1))) {
                return true;
            }
        }
        m = PORT_PROTO_PART.matcher(name);
        return m.matches() && switch (m.group(3)) {
            case "PROTO" -> value.equals(m.group(2).toLowerCase(Locale.ROOT));
            case "PORT" -> value.equals(m.group(1));
            default -> value.matches(IP);
        };
    }

    /** A name of a service link's form whose value is not a link's: say why it was not taken for one. */
    private static String linkHint(String name) {
        boolean linkName = Stream.of(SERVICE_HOST, SERVICE_PORT, PORT, PORT_PROTO, PORT_PROTO_PART).anyMatch(p -> p.matcher(name).matches());
        return linkName ? " (its name has a Kubernetes service link's form, but not its value, e.g. tcp://10.0.0.11:9400)" : "";
    }

    private String nearest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : byEnvName.keySet()) {
            int d = ConfigLoader.levenshtein(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(3, name.length() / 4) ? "; did you mean " + best + "?" : "";
    }
}
