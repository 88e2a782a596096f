package io.sluice.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's configuration table against the config schema (the loader's built-in defaults.yaml, which is
 * also the list of keys it accepts): one row per key, no row for a key that does not exist, and each
 * row's default and environment variable as the loader has them.
 */
class ReadmeConfigTableTest {
    @Test
    void theReadmeTableHasEveryKeyWithItsDefaultAndVariable() throws Exception {
        Map<String, String[]> rows = rows();
        ConfigLoader loader = new ConfigLoader();
        TreeSet<String> schema = new TreeSet<>(loader.knownKeys());
        schema.removeIf(k -> schema.contains(k + ".*"));   // a passthrough section is its kafka.x.* row
        assertThat(new TreeSet<>(rows.keySet())).as("README's config table keys vs the config schema (defaults.yaml)").isEqualTo(schema);
        JsonNode defaults = DeployFiles.YAML.readTree(ConfigLoader.class.getResourceAsStream("defaults.yaml"));
        List<String> wrong = new ArrayList<>();
        for (var e : rows.entrySet()) {
            String key = e.getKey();
            String defaultCell = e.getValue()[0];
            String envCell = e.getValue()[1];
            if (key.equals("jobs.*")) {   // per-job settings: from the file or --set only
                if (!envCell.equals("(none)")) wrong.add(key + ": env " + envCell + ", expected (none)");
                continue;
            }
            if (key.endsWith(".*")) {
                String env = ConfigLoader.envName(key.substring(0, key.length() - 2)) + "_<KEY>";
                if (!envCell.equals("`" + env + "`")) wrong.add(key + ": env " + envCell + ", expected `" + env + "`");
                continue;
            }
            if (!envCell.equals("`" + ConfigLoader.envName(key) + "`")) {
                wrong.add(key + ": env " + envCell + ", expected `" + ConfigLoader.envName(key) + "`");
            }
            JsonNode value = defaults.at("/" + key.replace('.', '/'));
            if (!defaultCell.equals("`" + value.asText() + "`")) {
                wrong.add(key + ": default " + defaultCell + ", the loader's is `" + value.asText() + "`");
            }
        }
        assertThat(wrong).as("README config table rows that disagree with defaults.yaml").isEmpty();
    }

    /** key -> {default cell, env cell}, from the table under "## Configuration". */
    private static Map<String, String[]> rows() throws Exception {
        String readme = Files.readString(DeployFiles.ROOT.resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Configuration"));
        section = section.substring(0, section.indexOf("\n## ", 4));
        Map<String, String[]> rows = new LinkedHashMap<>();
        for (String line : section.lines().toList()) {
            if (!line.startsWith("| `")) continue;
            String[] cells = line.split("\\|");
            String key = cells[1].strip().replace("`", "");
            assertThat(rows.put(key, new String[] {cells[2].strip(), cells[3].strip()})).as("README lists %s twice", key).isNull();
        }
        assertThat(rows).as("rows of README's config table").isNotEmpty();
        return rows;
    }
}
