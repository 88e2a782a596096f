package io.sluice.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sluice --version} is the Maven project version, filled in by resource filtering, not a literal in the code. */
class SluiceVersionTest {
    @Test
    void versionIsTheProjectVersion() throws Exception {
        Path pom = Path.of("").toAbsolutePath();
        while (!Files.exists(pom.resolve("mvnw"))) pom = pom.getParent();
        Matcher m = Pattern.compile("<artifactId>sluice-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(pom.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        StringWriter out = new StringWriter();
        var cmd = SluiceCli.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        assertThat(cmd.execute("--version")).isZero();
        assertThat(out.toString().strip()).isEqualTo("sluice " + m.group(1));
        assertThat(SluiceVersion.release()).isEqualTo(m.group(1).replace("-SNAPSHOT", ""));
    }
}
