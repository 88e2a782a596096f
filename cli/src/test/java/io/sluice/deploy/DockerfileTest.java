package io.sluice.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The image build: pinned bases, OCI labels, a non-root user that can write where `sluice local` writes. */
class DockerfileTest {
    private static final Pattern PINNED = Pattern.compile("[a-z0-9./-]+:(v?[0-9]+\\.[0-9]+[0-9a-zA-Z._-]*|dev)(@sha256:[0-9a-f]{64})?");

    @Test
    void everyBaseAndComposeImageIsPinnedToARelease() throws Exception {
        List<String> images = new ArrayList<>();
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(Files.readString(DeployFiles.DEPLOY.resolve("docker/Dockerfile")));
        while (from.find()) {
            if (!from.group(1).equals("runtime")) images.add(from.group(1));
        }
        Matcher image = Pattern.compile("(?m)^\\s+image:\\s+(\\S+)").matcher(Files.readString(DeployFiles.DEPLOY.resolve("compose/compose.yaml")));
        while (image.find()) images.add(image.group(1));
        assertThat(images).hasSizeGreaterThan(4).allSatisfy(i -> assertThat(i).as("image %s: pin a release tag (or digest)", i).matches(PINNED));
    }

    @Test
    void imagesCarryOciLabelsWithTheBuildVersion() throws Exception {
        String text = Files.readString(DeployFiles.DEPLOY.resolve("docker/Dockerfile"));
        assertThat(text).contains("ARG SLUICE_VERSION", "org.opencontainers.image.version=\"${SLUICE_VERSION}\"",
                "org.opencontainers.image.revision=", "org.opencontainers.image.title=");
    }

    /** Logs, text or JSON, go to stderr (stdout is command output such as --json), and the image says so. */
    @Test
    void logsGoToStderrInBothFormatsAsTheImageSays() throws Exception {
        for (String config : List.of("logback.xml", "logback-json.xml")) {
            String xml = Files.readString(DeployFiles.ROOT.resolve("cli/src/main/resources").resolve(config));
            assertThat(xml).as(config + ": every ConsoleAppender writes to System.err")
                    .contains("<target>System.err</target>").doesNotContain("System.out");
        }
        String text = Files.readString(DeployFiles.DEPLOY.resolve("docker/Dockerfile"));
        assertThat(text).contains("JSON logs by default (one object per line on stderr");
    }

    /** `sluice local` writes sluice-local/chart.png under its working directory; /opt/sluice belongs to root. */
    @Test
    void theLocalImageWorksInADirectoryItsUserOwns() throws Exception {
        String text = Files.readString(DeployFiles.DEPLOY.resolve("docker/Dockerfile"));
        String local = text.substring(text.indexOf("AS local"));
        Matcher workdir = Pattern.compile("(?m)^WORKDIR\\s+(\\S+)").matcher(local);
        assertThat(workdir.find()).as("the local stage sets its own WORKDIR").isTrue();
        String dir = workdir.group(1);
        assertThat(local).as("the local stage's WORKDIR %s is owned by uid 10001", dir)
                .containsPattern("chown 10001(:10001)? [^\\n]*" + Pattern.quote(dir));
        int lastUser = local.lastIndexOf("\nUSER ");
        assertThat(local.substring(lastUser)).startsWith("\nUSER 10001");
    }
}
