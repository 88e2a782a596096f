package io.sluice.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Keeps secrets out of logs, exceptions and metrics. */
public final class Redaction {
    private static final Pattern USERINFO = Pattern.compile("(?<=://)([^/@]*)@");
    public static final String MASK = "*****";

    private Redaction() {
    }

    /** {@code redis://user:pw@host} becomes {@code redis://user:*****@host}. */
    public static String uri(String uri) {
        if (uri == null) {
            return null;
        }
        return USERINFO.matcher(uri).replaceFirst(m -> {
            String info = m.group(1);
            int colon = info.indexOf(':');
            return (colon >= 0 ? info.substring(0, colon + 1) + MASK : MASK) + "@";
        });
    }

    /** A copy of Kafka client settings for printing: values of secret keys ({@link #isSecretKey}) masked. */
    public static Map<String, String> settings(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> out.put(k, isSecretKey(k) ? MASK : v));
        return out;
    }

    /** True for config keys whose values must never be printed (passwords, SASL JAAS config, tokens, keys). */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.endsWith(".key") || k.contains("credentials");
    }
}
