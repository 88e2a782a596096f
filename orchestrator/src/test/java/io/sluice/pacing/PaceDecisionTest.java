package io.sluice.pacing;

import io.sluice.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The production shape: 1,000,000 orgs in batches of 25 = 40,000 batches. */
class PaceDecisionTest {
    private static final long ORGS = 1_000_000;
    private static final long BATCHES = 40_000;

    @Test
    void theSeedPacingIsKeptWhereItFits() {
        PaceDecision d = PaceDecision.decide(100_000, 4_000, Duration.ofSeconds(2), Duration.ofHours(20), 50,
                Duration.ofSeconds(1), true);
        assertThat(d.pacing()).isEqualTo(Duration.ofSeconds(2));
        assertThat(d.planned()).isEqualTo(Duration.ofSeconds(8_000));
    }

    @Test
    void aMillionOrgsAt2sWouldTake22hSoThePacingShortensToFit20h() {
        PaceDecision d = PaceDecision.decide(ORGS, BATCHES, Duration.ofSeconds(2), Duration.ofHours(20), 50,
                Duration.ofSeconds(1), true);
        assertThat(d.pacing()).isEqualTo(Duration.ofMillis(1_800));
        assertThat(d.planned()).isEqualTo(Duration.ofHours(20));
        assertThat(d.poolBound()).isEqualTo(Duration.ofSeconds(20_000));   // 1M x 1 s / 50 = 5h33m20s
        assertThat(d.note()).contains("shortened from 2s to 1.8s").contains("22h13m20s").contains("5h33m20s");
        System.out.println("1..1000000, finish-within 20h, limit 50, query 1s: " + d.note());
    }

    @Test
    void aMillionOrgsThatNoPoolCouldFinishAreRefusedWithTheArithmetic() {
        assertThatThrownBy(() -> PaceDecision.decide(ORGS, BATCHES, Duration.ofSeconds(2), Duration.ofHours(20), 10,
                Duration.ofSeconds(3), true))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("1,000,000 orgs × 3s query time / pool limit 10 = 83h20m at a full pool")
                .hasMessageContaining("cannot finish within 20h");
    }

    @Test
    void aLateResumeIsNotRefusedButPublishesAsFastAsTheBacklogAllows() {
        PaceDecision d = PaceDecision.decide(ORGS, BATCHES, Duration.ofSeconds(2), Duration.ofHours(-1), 50,
                Duration.ofSeconds(1), false);
        assertThat(d.pacing()).isZero();
        assertThat(d.note()).contains("late resume");
    }
}
