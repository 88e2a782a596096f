package io.sluice.orgs;

import io.sluice.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrgSampleTest {
    private final OrgList million = new OrgList(LongStream.rangeClosed(1, 1_000_000).toArray(), 1_000_000, 0);

    @Test
    void samplesAreStableNestedAndAboutTheRightSize() {
        long[] ten = OrgSample.parse("10%").apply(million).ids();
        long[] fifty = OrgSample.parse("50%").apply(million).ids();
        assertThat(OrgSample.parse("10%").apply(million).ids()).isEqualTo(ten);   // the same on every run
        assertThat(ten.length).isBetween(98_000, 102_000);
        assertThat(fifty.length).isBetween(495_000, 505_000);
        assertThat(Arrays.stream(ten).allMatch(id -> Arrays.binarySearch(fifty, id) >= 0)).isTrue();   // 10 % ⊂ 50 %
        assertThat(OrgSample.parse("100%").apply(million).ids()).hasSize(1_000_000);
        // Not simply the lowest ids: the sample spreads over the whole range.
        assertThat(ten[0]).isLessThan(100);
        assertThat(ten[ten.length - 1]).isGreaterThan(999_000);
    }

    @Test
    void badPercentagesNameTheFlagAndWhatIsValid() {
        for (String bad : new String[]{"10", "0%", "150%", "ten%", ""}) {
            assertThatThrownBy(() -> OrgSample.parse(bad)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--orgs-sample").hasMessageContaining("valid");
        }
        assertThat(OrgSample.parse("12.5%").toString()).isEqualTo("12.5%");
    }
}
