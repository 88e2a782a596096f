package io.sluice.cli;

import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The config options every command that talks to Kafka or Redis shares: {@code -c/--config FILE}
 * (else the file {@code SLUICE_CONFIG} names) and {@code --set KEY=VALUE}. Precedence, lowest first:
 * built-in defaults, the file, {@code SLUICE_*} variables, {@code --set}, a command's own flags.
 */
public final class ConfigOption {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigOption.class);
    /** The environment; tests replace it. */
    static Supplier<Map<String, String>> environment = System::getenv;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config, see README: Configuration (default: the file SLUICE_CONFIG names). "
                    + "Every key can also be set as SLUICE_<KEY> in the environment.")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Set one config key, for example --set slots.limit=60 (repeatable; wins over the file and SLUICE_* variables).")
    Map<String, String> sets = new LinkedHashMap<>();

    /** The config file in use: {@code --config}, else {@code SLUICE_CONFIG}, else none (built-in defaults). */
    public Path file() {
        if (file != null) {
            return file;
        }
        String fromEnv = environment.get().get("SLUICE_CONFIG");
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    /** Loads and validates everything up front: a bad key or value exits 2 before anything connects. */
    public SluiceConfig load(Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(sets);
        all.putAll(overrides);
        Path f = file();
        if (f == null) {
            LOG.warn("no --config and no SLUICE_CONFIG: using the built-in defaults (Kafka localhost:9092, Redis localhost:6379)"
                    + " plus SLUICE_* variables and --set");
        }
        SluiceConfig cfg = new ConfigLoader().load(f, environment.get(), all);
        // Kafka client settings are checked for every command alike (exit 2), not only by the commands whose clients refuse them.
        io.sluice.kafka.KafkaClients.validate(cfg.kafka());
        return cfg;
    }

    public SluiceConfig load() {
        return load(Map.of());
    }

    /** This option where given, else {@code outer}'s: {@code slots --config F status --set k=v} combines both. */
    ConfigOption or(ConfigOption outer) {
        ConfigOption c = new ConfigOption();
        c.file = file != null ? file : outer.file;
        c.sets.putAll(outer.sets);
        c.sets.putAll(sets);
        return c;
    }
}
