package io.sluice.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of this build, from {@code version.properties} which Maven fills in from the project
 * version (resource filtering), so that {@code sluice --version}, the image tags and the pom agree.
 */
public final class SluiceVersion implements CommandLine.IVersionProvider {
    private static final String VERSION = load();

    /** The project version as built, e.g. {@code 0.1.0} or {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return VERSION;
    }

    /** The release an image built from this tree is tagged with: the version without {@code -SNAPSHOT}. */
    public static String release() {
        return VERSION.replaceFirst("-SNAPSHOT$", "");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"sluice " + VERSION};
    }

    private static String load() {
        try (InputStream in = SluiceVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties missing from the jar (built without Maven's resources step?)");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            if (v.isBlank() || v.contains("${")) {
                throw new IllegalStateException("version.properties was not filtered: version=" + v);
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
