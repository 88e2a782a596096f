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

    /** Digits past a long, or past what a Duration holds in nanoseconds, used to escape as a stack trace. */
    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999s", "9999999999999999d", "106751991167301d", "9223372036854775807ms",
            "PT99999999999999999999S", "P9999999999999999D", "366d", "365d1ms", "P400D", "8761h"})
    void refusesWhatIsTooLongNamingTheKeyTheValueAndTheRange(String text) {
        assertThatThrownBy(() -> Durations.parse("slots.lease-ttl", text)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("slots.lease-ttl: '" + text + "' is too long; valid: 0ms..365d")
                .hasMessageContaining("1m30s, PT6H");
    }

    @ParameterizedTest
    @ValueSource(strings = {"365d", "P365D", "8760h", "364d23h59m59s999ms"})
    void takesUpToAYear(String text) {
        assertThat(Durations.parse("k", text)).isLessThanOrEqualTo(Duration.ofDays(365));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0.0001S", "PT1.0000001S"})
    void refusesWhatIsFinerThanAMillisecond(String text) {
        assertThatThrownBy(() -> Durations.parse("redis.timeout", text)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("redis.timeout: '" + text + "' is finer than a millisecond");
    }
}
