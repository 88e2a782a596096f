package io.sluice.cli;

import io.sluice.config.ConfigLoader;
import io.sluice.config.SluiceConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;

/** The {@code --config F} option shared by every command that talks to Kafka or Redis. */
public final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config (see README: Configuration). Every key can also be set as SLUICE_<KEY> in the environment.")
    Path file;

    /** Loads and validates everything up front: a bad key or value exits 2 before anything connects. */
    public SluiceConfig load(Map<String, String> overrides) {
        return new ConfigLoader().load(file, System.getenv(), overrides);
    }

    public SluiceConfig load() {
        return load(Map.of());
    }
}
