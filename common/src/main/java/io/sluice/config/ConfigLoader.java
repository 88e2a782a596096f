package io.sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds a {@link SluiceConfig} from, in rising precedence: the built-in defaults
 * ({@code defaults.yaml} beside this class), one YAML file, {@code SLUICE_*} environment variables
 * and command-line overrides. Every key is checked against the defaults, and Kafka client keys against
 * the clients' own names ({@link KafkaKeys}); an unknown key is an error that suggests the nearest valid
 * one. All checks happen here, before anything connects.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Sections that take any Kafka client key, passed through unchanged. */
    static final Set<String> PASSTHROUGH = Set.of("kafka.common", "kafka.producer", "kafka.consumer");
    /** The section of per-job settings, {@code jobs.<job>.<key>}: any job, any key, checked by the job itself. */
    static final String JOBS = "jobs";
    private static final java.util.regex.Pattern JOB_NAME = io.sluice.messages.Batch.JOB_NAME;

    /** downstream.max-query-time's range: from the pool's shortest lease-ttl (a lease must outlast it) to an hour. */
    static final Duration MIN_QUERY_TIME = Duration.ofMillis(100);
    static final Duration MAX_QUERY_TIME = Duration.ofHours(1);

    private final ObjectNode defaults;
    private final Map<String, JsonNode> knownLeaves = new TreeMap<>();

    public ConfigLoader() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("defaults.yaml")) {
            defaults = (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read built-in config defaults", e);
        }
        collectLeaves(defaults, "");
    }

    /** Every key a config file may set (passthrough sections appear as {@code kafka.consumer.*}). */
    public Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>(knownLeaves.keySet());
        keys.removeIf(k -> PASSTHROUGH.stream().anyMatch(p -> k.startsWith(p + ".")));
        PASSTHROUGH.forEach(p -> keys.add(p + ".*"));
        keys.remove(JOBS);
        keys.add(JOBS + ".*");   // jobs.<job>.<key>, checked by the job
        return keys;
    }

    /** The environment variable that overrides a key, e.g. {@code slots.lease-ttl} → {@code SLUICE_SLOTS_LEASE_TTL}. */
    public static String envName(String key) {
        return "SLUICE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public SluiceConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        ObjectNode tree = defaults.deepCopy();
        if (file != null) {
            JsonNode fromFile = readFile(file);
            checkKeys(fromFile, "", file.toString());
            merge(tree, fromFile);
        }
        applyEnv(tree, env);
        overrides.forEach((k, v) -> set(tree, k, v, "flag"));
        return bind(tree);
    }

    public SluiceConfig defaults() {
        return bind(defaults.deepCopy());
    }

    // ---- reading --------------------------------------------------------------------------

    private JsonNode readFile(Path file) {
        try {
            JsonNode n = YAML.readTree(Files.readString(file));
            if (n == null || n.isMissingNode() || n.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!n.isObject()) {
                throw new ConfigException("--config", "config file " + file + " must hold a YAML mapping at the top level");
            }
            return n;
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "config file " + file + " does not exist");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException("--config", "config file " + file + " is not valid YAML" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("--config", "config file " + file + " is not valid YAML: " + firstLine(e.getMessage()));
        }
    }

    private void checkKeys(JsonNode node, String prefix, String where) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (key.equals(JOBS)) {
                checkJobs(e.getValue(), where);
                continue;
            }
            if (PASSTHROUGH.contains(key)) {
                if (!e.getValue().isObject() && !e.getValue().isNull()) {
                    throw new ConfigException(key, key + " in " + where + " must be a mapping of Kafka client keys, e.g. {max.poll.records: 5}");
                }
                checkPassthrough(key, e.getValue());
                continue;
            }
            JsonNode known = at(defaults, key);
            if (known == null) {
                throw new ConfigException(key, "unknown key '" + key + "' in " + where + suggestion(key));
            }
            if (known.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new ConfigException(key, key + " in " + where + " must be a section (mapping), not '" + e.getValue() + "'");
                }
                checkKeys(e.getValue(), key, where);
            } else if (e.getValue().isContainerNode()) {
                throw new ConfigException(key, key + " in " + where + " must be a single value like '" + known.asText() + "', not a " + (e.getValue().isArray() ? "list" : "mapping"));
            }
        }
    }

    private static void checkJobs(JsonNode jobs, String where) {
        if (jobs == null || jobs.isNull()) {
            return;
        }
        if (!jobs.isObject()) {
            throw new ConfigException(JOBS, "jobs in " + where + " must be a mapping of job names to their settings, e.g. "
                    + "{dynamic-sampling: {target-rate: 0.2}}");
        }
        jobs.fields().forEachRemaining(job -> {
            String name = JOBS + "." + job.getKey();
            if (!JOB_NAME.matcher(job.getKey()).matches()) {
                throw new ConfigException(name, name + " in " + where + ": '" + job.getKey() + "' is not a job name (lower-case letters, digits, '-')");
            }
            if (!job.getValue().isObject()) {
                throw new ConfigException(name, name + " in " + where + " must be a mapping of that job's settings");
            }
            checkPassthrough(name, job.getValue());
        });
    }

    private static void checkPassthrough(String section, JsonNode map) {
        if (map == null || map.isNull()) {
            return;
        }
        map.fields().forEachRemaining(e -> {
            if (e.getValue().isContainerNode()) {
                throw new ConfigException(section + "." + e.getKey(), section + "." + e.getKey()
                        + " must be a single value (Kafka client keys are flat, e.g. 'max.poll.records: 5')");
            }
        });
    }

    private void applyEnv(ObjectNode tree, Map<String, String> env) {
        EnvNames names = new EnvNames(knownLeaves.keySet(), PASSTHROUGH);
        new TreeMap<>(env).forEach((name, value) ->
                names.keyOf(name, value).ifPresent(key -> set(tree, key, value, "environment variable " + name)));
    }

    private void set(ObjectNode tree, String key, String value, String source) {
        String section = PASSTHROUGH.stream().filter(p -> key.startsWith(p + ".")).findFirst().orElse(null);
        if (section == null && key.startsWith(JOBS + ".")) {
            String[] parts = key.split("\\.", 3);
            if (parts.length < 3 || !JOB_NAME.matcher(parts[1]).matches() || parts[2].isBlank()) {
                throw new ConfigException(key, "'" + key + "' from " + source + " is not a job setting; write jobs.<job>.<key>, "
                        + "e.g. jobs.dynamic-sampling.target-rate");
            }
            section = JOBS + "." + parts[1];
        }
        if (section == null && !knownLeaves.containsKey(key)) {
            throw new ConfigException(key, "unknown key '" + key + "' from " + source + suggestion(key));
        }
        String[] parts = section == null ? key.split("\\.") : split(section, key);
        ObjectNode n = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = n.get(parts[i]);
            if (!(child instanceof ObjectNode)) {
                child = n.putObject(parts[i]);
            }
            n = (ObjectNode) child;
        }
        n.put(parts[parts.length - 1], value);
    }

    private static String[] split(String section, String key) {
        List<String> parts = new ArrayList<>(List.of(section.split("\\.")));
        parts.add(key.substring(section.length() + 1));
        return parts.toArray(String[]::new);
    }

    private static void merge(ObjectNode into, JsonNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else if (e.getValue().isNull() && existing instanceof ObjectNode) {
                // "consumer:" with nothing under it keeps the defaults
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    private void collectLeaves(JsonNode node, String prefix) {
        node.fields().forEachRemaining(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject() && !PASSTHROUGH.contains(key) && !key.equals(JOBS)) {
                collectLeaves(e.getValue(), key);
            } else {
                knownLeaves.put(key, e.getValue());
            }
        });
    }

    private static JsonNode at(JsonNode root, String key) {
        return Values.at(root, key);
    }

    private String suggestion(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        // Sections too: a misspelt section (`slot:`) is nearest to `slots`, not to any leaf key.
        Set<String> candidates = new TreeSet<>(knownKeys());
        for (String leaf : knownLeaves.keySet()) {
            for (int i = leaf.indexOf('.'); i > 0; i = leaf.indexOf('.', i + 1)) candidates.add(leaf.substring(0, i));
        }
        for (String k : candidates) {
            int d = levenshtein(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(3, key.length() / 3)
                ? "; did you mean '" + best + "'?"
                : "; valid keys: " + String.join(", ", knownKeys());
    }

    /** {@code slots.class}: {@code default} (the pool's first class) is null. */
    private static String slotClass(String value) {
        if (value.equals("default")) {
            return null;
        }
        if (!value.matches("[A-Za-z0-9_.-]+")) {
            throw new ConfigException("slots.class", "slots.class '" + value + "' must be a class of the pool's declaration "
                    + "(letters, digits, '_', '.', '-'), or default for its first class");
        }
        return value;
    }

    public static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    // ---- binding --------------------------------------------------------------------------

    private static SluiceConfig bind(ObjectNode t) {
        Values v = new Values(t);
        SluiceConfig.Topics topics = new SluiceConfig.Topics(
                v.text("kafka.topics.batches"), v.text("kafka.topics.results"), v.text("kafka.topics.dead-letter"),
                v.intIn("kafka.topics.partitions", 1, 10_000),
                (short) v.intIn("kafka.topics.replication-factor", 1, Short.MAX_VALUE));
        KafkaKeys.check(v.map("kafka.common"), v.map("kafka.producer"), v.map("kafka.consumer"));
        SluiceConfig.Kafka kafka = new SluiceConfig.Kafka(v.text("kafka.bootstrap-servers"), topics,
                v.map("kafka.common"), v.map("kafka.producer"), v.map("kafka.consumer"));
        SluiceConfig.Redis redis = new SluiceConfig.Redis(v.redisUri("redis.uri"), v.positive("redis.timeout"));
        SluiceConfig.Slots slots = new SluiceConfig.Slots(v.text("slots.pool"), v.intIn("slots.limit", 1, 1_000_000),
                v.positive("slots.lease-ttl"), v.positive("slots.renew-every"), v.bool("slots.enabled"),
                v.bool("slots.assume-new-pool"), v.bool("slots.adaptive"), v.intIn("slots.min-limit", 1, 1_000_000),
                v.intIn("slots.max-limit", 1, 1_000_000), slotClass(v.text("slots.class")));
        if (slots.adaptive() && !(slots.minLimit() <= slots.limit() && slots.limit() <= slots.maxLimit())) {
            throw new ConfigException("slots.limit", "with slots.adaptive, slots.min-limit (" + slots.minLimit() + ") <= slots.limit ("
                    + slots.limit() + ") <= slots.max-limit (" + slots.maxLimit() + ") must hold");
        }
        if (slots.renewEvery().compareTo(slots.leaseTtl()) >= 0) {
            throw new ConfigException("slots.renew-every", "slots.renew-every (" + Durations.format(slots.renewEvery())
                    + ") must be shorter than slots.lease-ttl (" + Durations.format(slots.leaseTtl())
                    + "), e.g. a third of it, or leases expire while their queries run");
        }
        SluiceConfig.Snuba snuba = new SluiceConfig.Snuba(v.httpUrl("snuba.url"), v.text("snuba.dataset"),
                v.text("snuba.referrer"), v.positive("snuba.timeout"));
        SluiceConfig.Downstream downstream = new SluiceConfig.Downstream(
                v.durationIn("downstream.max-query-time", MIN_QUERY_TIME, MAX_QUERY_TIME));
        if (slots.leaseTtl().compareTo(downstream.maxQueryTime()) < 0) {
            throw new ConfigException("slots.lease-ttl", "slots.lease-ttl (" + Durations.format(slots.leaseTtl())
                    + ") must be at least downstream.max-query-time (" + Durations.format(downstream.maxQueryTime())
                    + "): a crashed worker's slot must not return while its query can still run downstream; raise "
                    + "slots.lease-ttl or, if the downstream stops queries sooner, lower downstream.max-query-time");
        }
        SluiceConfig.Orchestrator orchestrator = new SluiceConfig.Orchestrator(
                v.intIn("orchestrator.batch-size", 1, 1_000), v.nonNegative("orchestrator.pacing"),
                v.nonNegative("orchestrator.finish-within"), v.longIn("orchestrator.max-backlog", 0, Long.MAX_VALUE),
                v.positive("orchestrator.query-time"), v.positive("orchestrator.lease-ttl"));
        if (orchestrator.maxBacklog() > 0 && orchestrator.maxBacklog() < orchestrator.batchSize()) {
            throw new ConfigException("orchestrator.max-backlog", "orchestrator.max-backlog (" + orchestrator.maxBacklog()
                    + ") must be 0 (no bound) or at least orchestrator.batch-size (" + orchestrator.batchSize()
                    + "), or no batch could ever be published");
        }
        if (orchestrator.leaseTtl().compareTo(Duration.ofSeconds(3)) < 0) {
            throw new ConfigException("orchestrator.lease-ttl", "orchestrator.lease-ttl (" + Durations.format(orchestrator.leaseTtl())
                    + ") must be at least 3s: it is renewed every third of itself");
        }
        SluiceConfig.Retry retry = new SluiceConfig.Retry(v.intIn("worker.retry.max-attempts", 1, 1_000),
                v.positive("worker.retry.initial-backoff"), v.positive("worker.retry.max-backoff"));
        if (retry.maxBackoff().compareTo(retry.initialBackoff()) < 0) {
            throw new ConfigException("worker.retry.max-backoff", "worker.retry.max-backoff (" + Durations.format(retry.maxBackoff())
                    + ") must not be shorter than worker.retry.initial-backoff (" + Durations.format(retry.initialBackoff()) + ")");
        }
        SluiceConfig.Worker worker = new SluiceConfig.Worker(v.intIn("worker.max-in-flight", 1, 10_000),
                v.nonNegative("worker.shutdown-grace"), retry, v.bool("worker.exactly-once"));
        SluiceConfig.Projection projection = new SluiceConfig.Projection(v.intIn("projection.history-days", 1, 366),
                v.longIn("projection.multiplier", 1, 1_000_000), v.longIn("projection.floor", 0, Long.MAX_VALUE));
        SluiceConfig.Metrics metrics = new SluiceConfig.Metrics(v.text("metrics.bind"), v.intIn("metrics.port", 0, 65_535));
        Map<String, Map<String, String>> jobs = new TreeMap<>();
        JsonNode jobsNode = t.get(JOBS);
        if (jobsNode != null && jobsNode.isObject()) {
            jobsNode.fields().forEachRemaining(j -> jobs.put(j.getKey(), v.map(JOBS + "." + j.getKey())));
        }
        return new SluiceConfig(kafka, redis, slots, snuba, downstream, orchestrator, worker, projection, metrics, jobs);
    }
}
