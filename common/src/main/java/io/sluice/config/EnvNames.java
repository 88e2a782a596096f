package io.sluice.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which config key a {@code SLUICE_*} environment variable sets. A name that sets none is an error
 * (a typo like {@code SLUICE_SLOTS_LIMT} must not run on the default), except the variables Sluice
 * reads elsewhere and the ones Kubernetes injects for a Service whose name starts with {@code sluice}
 * (service links: {@code SLUICE_SERVICE_HOST}, {@code SLUICE_PORT_9400_TCP_ADDR}, ...).
 */
final class EnvNames {
    /** SLUICE_ variables that are not config keys (read elsewhere). */
    static final Set<String> NOT_CONFIG = Set.of("SLUICE_JAVA_OPTS", "SLUICE_ORGS_JDBC_USER",
            "SLUICE_ORGS_JDBC_PASSWORD", "SLUICE_LOG_FORMAT", "SLUICE_LOG_LEVEL", "SLUICE_CONFIG", "SLUICE_TEST_KAFKA_BOOTSTRAP");
    /**
     * Docker-link style variables of a Service named {@code sluice} or {@code sluice-...}:
     * {@code <NAME>_SERVICE_HOST}, {@code <NAME>_SERVICE_PORT[_<PORT NAME>]}, {@code <NAME>_PORT} and
     * {@code <NAME>_PORT_<n>_<PROTO>[_PROTO|_PORT|_ADDR]}.
     */
    private static final Pattern SERVICE_LINK = Pattern.compile(
            "SLUICE(_[A-Z0-9_]+?)?_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");

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
        String key = byEnvName.get(name);
        if (key != null && !isServiceLinkValue(name, value)) {
            return Optional.of(key);
        }
        for (String section : passthrough) {
            String p = ConfigLoader.envName(section) + "_";
            if (name.startsWith(p) && name.length() > p.length()) {
                return Optional.of(section + "." + name.substring(p.length()).toLowerCase(Locale.ROOT).replace('_', '.'));
            }
        }
        if (isServiceLink(name)) {
            return Optional.empty();
        }
        String nearest = nearest(name);
        if (!nearest.isEmpty()) {
            // A near miss: the suggestion is the useful part, not a 2 KB list of every name.
            throw new ConfigException(name, "environment variable " + name + " names no config key" + nearest
                    + " (every key's variable is SLUICE_ and the key in upper snake case: README, Configuration)");
        }
        throw new ConfigException(name, "environment variable " + name + " names no config key"
                + "; valid: " + String.join(", ", byEnvName.keySet()) + ", " + String.join(", ",
                passthrough.stream().map(s -> ConfigLoader.envName(s) + "_<KAFKA KEY>").sorted().toList())
                + " (and, not config keys, " + String.join(", ", new java.util.TreeSet<>(NOT_CONFIG)) + ")");
    }

    static boolean isServiceLink(String name) {
        return SERVICE_LINK.matcher(name).matches();
    }

    /**
     * A Service named e.g. {@code sluice-metrics} injects {@code SLUICE_METRICS_PORT=tcp://10.0.0.1:9400},
     * which is also the env name of {@code metrics.port}: a {@code tcp://} value marks the service link.
     */
    private static boolean isServiceLinkValue(String name, String value) {
        return isServiceLink(name) && value != null && value.matches("(tcp|udp|sctp)://.*");
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
