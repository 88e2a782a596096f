package io.sluice.slots.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.slots.PoolStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What `sluice slots status` prints of the adaptive limit's last step, and that a fixed pool prints none. */
class PoolStatusViewTest {
    private static PoolStatus status(Optional<PoolStatus.AdaptiveStep> step) {
        return new PoolStatus("p", 58, 57, 12, List.of(), "123", Duration.ofSeconds(30), Duration.ZERO, step);
    }

    @Test
    void theLastStepIsShownWithItsReasonAndWindow() {
        PoolStatus s = status(Optional.of(new PoolStatus.AdaptiveStep(Duration.ofMillis(400), 98, 58, "others took more", 58, 1830, 12)));
        StringWriter table = new StringWriter();
        PoolStatusView.printTable(s, new PrintWriter(table, true));
        assertThat(table.toString()).contains(
                "adaptive last step 400ms ago: 98 -> 58, others took more (window: 1830 ok, 12 rate-limited; the downstream left 58 for us)");
        JsonNode step = PoolStatusView.json(s).get("adaptiveLastStep");
        assertThat(step.get("from").asInt()).isEqualTo(98);
        assertThat(step.get("to").asInt()).isEqualTo(58);
        assertThat(step.get("why").asText()).isEqualTo("others took more");
        assertThat(step.get("rateLimited").asLong()).isEqualTo(12);
    }

    @Test
    void leasesKeptForAbandonedQueriesAreCounted() {
        PoolStatus s = new PoolStatus("p", 58, 57, 12, List.of(), "123", Duration.ofSeconds(30), Duration.ZERO, Optional.empty(), 3);
        StringWriter table = new StringWriter();
        PoolStatusView.printTable(s, new PrintWriter(table, true));
        assertThat(table.toString()).contains("abandoned 3 of those in use: kept for queries their holders stopped waiting for");
        assertThat(PoolStatusView.json(s).get("abandoned").asInt()).isEqualTo(3);
    }

    @Test
    void aPoolThatNeverSteppedShowsNoAdaptiveLine() {
        StringWriter table = new StringWriter();
        PoolStatusView.printTable(status(Optional.empty()), new PrintWriter(table, true));
        assertThat(table.toString()).doesNotContain("adaptive");
        assertThat(PoolStatusView.json(status(Optional.empty())).has("adaptiveLastStep")).isFalse();
    }
}
