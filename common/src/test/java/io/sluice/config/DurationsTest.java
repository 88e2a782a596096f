package io.sluice.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"250ms,PT0.25S", "2s,PT2S", "5m,PT5M", "1h,PT1H", "1d,PT24H", "1m30s,PT1M30S", "1h30m,PT1H30M",
            "2s500ms,PT2.5S", "1d12h,PT36H", "PT6H,PT6H", "pt1m30s,PT1M30S", "P1D,PT24H", "PT0.5S,PT0.5S",
            "0,PT0S", "0s,PT0S"})
    void parsesOneUnitCompoundAndIso(String text, String expected) {
        assertThat(Durations.parse("k", text)).isEqualTo(Duration.parse(expected));
    }

    /** Zero needs no unit: the docs say "finish-within: 0" means no bound, and the loader takes it. */
    @org.junit.jupiter.api.Test
    void aBareZeroIsNoBoundAsTheDocsSay() {
        assertThat(new ConfigLoader().load(null, java.util.Map.of(), java.util.Map.of("orchestrator.finish-within", "0"))
                .orchestrator().finishWithin()).isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "1.5s", "-1s", "30 secs", "1m30", "30s1m", "1s1s", "PT", "-PT1S", "P1X", ""})
    void rejectsTheRestNamingTheKeyAndTheValidForms(String text) {
        assertThatThrownBy(() -> Durations.parse("slots.lease-ttl", text)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("slots.lease-ttl: '" + text + "'").hasMessageContaining("1m30s, PT6H");
    }
}
