package io.sluice.config;

/** A bad configuration value; {@link #key()} names the offending key or flag. The CLI exits 2 on it. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
