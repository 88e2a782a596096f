package io.sluice.orgs;

import io.sluice.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.PrimitiveIterator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrgSourcesTest {
    @TempDir
    Path dir;

    @Test
    void aFileSkipsCommentsAndBlankLinesAndDuplicatesAreDroppedAndCounted() throws Exception {
        Path f = dir.resolve("orgs.txt");
        Files.writeString(f, "# orgs for the run\n\n30\n10 # a big one\n  20  \n10\n\n#end\n");
        try (FileOrgSource src = new FileOrgSource(f)) {
            OrgList orgs = OrgList.read(src);
            assertThat(orgs.ids()).containsExactly(10, 20, 30);
            assertThat(orgs.read()).isEqualTo(4);
            assertThat(orgs.dropped()).isEqualTo(1);
        }
    }

    @Test
    void aMalformedLineNamesFileLineAndText() throws Exception {
        Path f = dir.resolve("bad.txt");
        Files.writeString(f, "1\n2\n# fine\nabc12\n4\n");
        try (FileOrgSource src = new FileOrgSource(f)) {
            assertThatThrownBy(() -> OrgList.read(src))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(f + ":4:")
                    .hasMessageContaining("'abc12'")
                    .extracting(e -> ((ConfigException) e).key()).isEqualTo("--orgs-file");
        }
    }

    @Test
    void zeroAndNegativeIdsAreRejectedWithTheirLine() throws Exception {
        Path f = dir.resolve("neg.txt");
        Files.writeString(f, "5\n-7\n");
        try (FileOrgSource src = new FileOrgSource(f)) {
            assertThatThrownBy(() -> OrgList.read(src)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(f + ":2:").hasMessageContaining("'-7'").hasMessageContaining("positive");
        }
    }

    @Test
    void aMissingFileIsAUsageError() {
        try (FileOrgSource src = new FileOrgSource(dir.resolve("nope.txt"))) {
            assertThatThrownBy(() -> OrgList.read(src)).isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
        }
    }

    @Test
    void anEmptySourceIsAUsageError() throws Exception {
        Path f = dir.resolve("empty.txt");
        Files.writeString(f, "# nothing here\n\n");
        try (FileOrgSource src = new FileOrgSource(f)) {
            assertThatThrownBy(() -> OrgList.read(src)).isInstanceOf(ConfigException.class).hasMessageContaining("no org ids");
        }
    }

    @Test
    void aRangeIsInclusiveAndReversedOrMalformedRangesAreRejected() {
        try (RangeOrgSource r = RangeOrgSource.parse("3..7")) {
            assertThat(OrgList.read(r).ids()).containsExactly(3, 4, 5, 6, 7);
        }
        assertThatThrownBy(() -> RangeOrgSource.parse("9..2")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("9..2").extracting(e -> ((ConfigException) e).key()).isEqualTo("--orgs-range");
        assertThatThrownBy(() -> RangeOrgSource.parse("0..5")).isInstanceOf(ConfigException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> RangeOrgSource.parse("1-5")).isInstanceOf(ConfigException.class).hasMessageContaining("A..B");
        assertThatThrownBy(() -> RangeOrgSource.parse("a..b")).isInstanceOf(ConfigException.class);
    }

    @Test
    void aRangeEndingAtLongMaxDoesNotOverflow() {
        PrimitiveIterator.OfLong it = new RangeOrgSource(Long.MAX_VALUE - 1, Long.MAX_VALUE).ids();
        assertThat(it.nextLong()).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(it.nextLong()).isEqualTo(Long.MAX_VALUE);
        assertThat(it.hasNext()).isFalse();
    }

    @Test
    void jdbcUrlPasswordsAreMaskedInDescriptions() {
        assertThat(JdbcOrgSource.redact("jdbc:postgresql://db/orgs?user=u&password=hunter2&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/orgs?user=u&password=*****&ssl=true");
        assertThatThrownBy(() -> JdbcOrgSource.open("jdbc:mysql://x/y", null, java.util.Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PostgreSQL");
    }
}
