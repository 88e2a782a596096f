package io.sluice.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/ has one file per subject, README's "Further reading" links each exactly once, and no doc links a file that is not there. */
class DocsIndexTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+\\.md)(#[^)]*)?\\)");

    @Test
    void furtherReadingLinksEveryDocOnce() throws Exception {
        String readme = Files.readString(DeployFiles.ROOT.resolve("README.md"));
        String list = readme.substring(readme.indexOf("## Further reading"));
        int next = list.indexOf("\n## ", 4);
        list = next < 0 ? list : list.substring(0, next);
        Map<String, Integer> linked = new TreeMap<>();
        Matcher m = LINK.matcher(list);
        while (m.find()) linked.merge(m.group(1), 1, Integer::sum);
        Map<String, Integer> expected = new TreeMap<>();
        for (Path doc : docs()) expected.put("docs/" + doc.getFileName(), 1);
        assertThat(linked).as("README \"Further reading\": each doc linked once").isEqualTo(expected);
    }

    @Test
    void everyMarkdownLinkResolves() throws Exception {
        List<Path> files = new ArrayList<>(docs());
        files.add(DeployFiles.ROOT.resolve("README.md"));
        List<String> broken = new ArrayList<>();
        for (Path f : files) {
            Matcher m = LINK.matcher(Files.readString(f));
            while (m.find()) {
                if (m.group(1).startsWith("http")) continue;
                if (!Files.exists(f.getParent().resolve(m.group(1)).normalize())) broken.add(DeployFiles.rel(f) + " -> " + m.group(1));
            }
        }
        assertThat(broken).as("links to files that do not exist").isEmpty();
    }

    /** Metrics are named as Prometheus shows them (docs/METRICS.md), never by Micrometer's dotted names. */
    @Test
    void docsNameMetricsTheWayPrometheusShowsThem() throws Exception {
        Pattern dotted = Pattern.compile("`(sluice\\.(?:slots|worker|orchestrator|downstream)\\.[a-z0-9_.]+)`");
        List<Path> files = new ArrayList<>(docs());
        files.add(DeployFiles.ROOT.resolve("README.md"));
        List<String> found = new ArrayList<>();
        for (Path f : files) {
            Matcher m = dotted.matcher(Files.readString(f));
            while (m.find()) found.add(DeployFiles.rel(f) + ": " + m.group(1));
        }
        assertThat(found).as("Micrometer's dotted metric names in docs; write the Prometheus name from docs/METRICS.md").isEmpty();
    }

    private static List<Path> docs() throws Exception {
        try (Stream<Path> s = Files.list(DeployFiles.ROOT.resolve("docs"))) {
            return s.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
    }
}
