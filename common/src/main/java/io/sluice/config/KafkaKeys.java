package io.sluice.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks the keys of {@code kafka.common}, {@code kafka.producer} and {@code kafka.consumer} against the
 * Kafka clients' own config names. A Kafka client takes any key and only logs the ones it does not use,
 * so {@code max.pol.records: 5} would run on the default; here it is a config error that names the
 * nearest real key. What stays open, because the clients read it without naming it:
 * <ul>
 * <li>Kafka's own open-ended prefixes, {@code metrics.context.*} (metrics reporters' context labels) and
 *     {@code config.providers.*} (each provider's {@code .class} and {@code .param.*});</li>
 * <li>any other key, once a plug-in that reaches that client is set ({@code interceptor.classes},
 *     {@code metric.reporters}, {@code config.providers}, {@code security.providers},
 *     {@code partition.assignment.strategy} or any {@code *.class}): the client hands every setting to
 *     its plug-ins' {@code configure()}, so their own keys ({@code confluent.monitoring.interceptor.*}) are
 *     theirs to read. Even then a key within two edits of a client key is taken for a typo of it.</li>
 * </ul>
 * {@code sasl.*} and {@code ssl.*} need no prefix rule: the clients name every such key they read.
 */
final class KafkaKeys {
    static final String COMMON = "kafka.common";
    static final String PRODUCER = "kafka.producer";
    static final String CONSUMER = "kafka.consumer";
    private static final List<String> OPEN_PREFIXES = List.of("metrics.context.", "config.providers.");
    private static final Set<String> PLUGIN_LISTS = Set.of(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG,
            ConsumerConfig.METRIC_REPORTER_CLASSES_CONFIG, "config.providers", "security.providers",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);

    private static final Map<String, Set<String>> NAMES = new HashMap<>();

    static {
        Set<String> all = new TreeSet<>(ConsumerConfig.configNames());
        all.addAll(ProducerConfig.configNames());
        all.addAll(AdminClientConfig.configNames());
        NAMES.put(CONSUMER, new TreeSet<>(ConsumerConfig.configNames()));
        NAMES.put(PRODUCER, new TreeSet<>(ProducerConfig.configNames()));
        NAMES.put(COMMON, all);   // kafka.common reaches the consumer, the producer and the admin client
    }

    private KafkaKeys() {
    }

    /** Throws a {@link ConfigException} for the first key no client that section reaches would read. */
    static void check(Map<String, String> common, Map<String, String> producer, Map<String, String> consumer) {
        check(CONSUMER, consumer, plugins(common, consumer));
        check(PRODUCER, producer, plugins(common, producer));
        check(COMMON, common, plugins(common, producer, consumer));
    }

    private static void check(String section, Map<String, String> settings, boolean pluginSet) {
        Set<String> names = NAMES.get(section);
        for (String key : new TreeSet<>(settings.keySet())) {
            if (names.contains(key) || OPEN_PREFIXES.stream().anyMatch(key::startsWith)) {
                continue;
            }
            String full = section + "." + key;
            String client = section.equals(COMMON) ? "client" : section.substring("kafka.".length());
            if (NAMES.get(COMMON).contains(key)) {
                String owner = NAMES.get(CONSUMER).contains(key) ? "consumer" : NAMES.get(PRODUCER).contains(key) ? "producer" : "admin client";
                throw new ConfigException(full, full + ": '" + key + "' is not a Kafka " + client + " setting (the " + client
                        + " would ignore it) but a" + (owner.startsWith("a") ? "n " : " ") + owner + " one: move it to "
                        + (owner.equals("admin client") ? COMMON : "kafka." + owner + " or " + COMMON));
            }
            String nearest = nearest(key, names);
            boolean typo = nearest != null && (ConfigLoader.levenshtein(key, nearest) <= 2 || nearest.startsWith(key + "."));
            if (pluginSet && !typo) {
                continue;   // a plug-in's own key
            }
            throw new ConfigException(full, full + ": '" + key + "' is not a Kafka " + client + " setting"
                    + (nearest != null ? "; did you mean " + nearest + "?" : "") + " (valid: the Kafka "
                    + (section.equals(COMMON) ? "consumer, producer and admin" : client) + " configs, metrics.context.*, "
                    + "config.providers.*, and a plug-in's own keys once one is set: interceptor.classes, metric.reporters, a *.class setting)");
        }
    }

    @SafeVarargs
    private static boolean plugins(Map<String, String>... sections) {
        return Stream.of(sections).flatMap(s -> s.entrySet().stream())
                .anyMatch(e -> !e.getValue().isBlank() && (PLUGIN_LISTS.contains(e.getKey()) || e.getKey().endsWith(".class")
                        || e.getKey().endsWith(".classes")));
    }

    /** The nearest name, when it is near enough to be what was meant. */
    private static String nearest(String key, Set<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            int d = ConfigLoader.levenshtein(key, name);
            if (d < bestDistance || d == bestDistance && name.startsWith(key + ".")) {
                bestDistance = d;
                best = name;
            }
        }
        boolean near = best != null && (bestDistance <= Math.max(3, key.length() / 4) || best.startsWith(key + "."));
        return near ? best : names.stream().filter(n -> n.startsWith(key + ".")).findFirst().orElse(null);
    }
}
