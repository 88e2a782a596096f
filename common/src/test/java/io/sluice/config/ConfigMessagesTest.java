package io.sluice.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config errors point at the place: the line and column of bad YAML, the nearest section for a misspelt one. */
class ConfigMessagesTest {
    @TempDir
    Path dir;

    @Test
    void badYamlNamesTheLineAndColumn() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.yaml"), "slots:\n  limit: 5\n  pool: [unclosed\nredis:\n  uri: x\n");
        assertThatThrownBy(() -> new ConfigLoader().load(f, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config file " + f + " is not valid YAML at line ").hasMessageContaining(", column ");
    }

    @Test
    void aMisspeltSectionSuggestsTheSection() throws Exception {
        Path f = Files.writeString(dir.resolve("slot.yaml"), "slot:\n  limit: 5\n");
        assertThatThrownBy(() -> new ConfigLoader().load(f, Map.of(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown key 'slot'").hasMessageContaining("did you mean 'slots'?")
                .hasMessageNotContaining("valid keys");
    }
}
