package io.sluice.snuba;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Statuses sorted into outcomes; a 2xx body is handed on unread, for the job. */
class SnubaResponsesTest {

    @Test
    void aTwoHundredIsHandedOnUnread() {
        byte[] body = "not even JSON".getBytes(StandardCharsets.UTF_8);
        assertThat(SnubaResponses.outcome(200, body, Duration.ZERO)).isInstanceOfSatisfying(SnubaOutcome.Ok.class,
                ok -> assertThat(ok.body()).isSameAs(body));
    }

    @Test
    void otherStatusesAreReadAsBefore() {
        byte[] rateLimited = "{\"error\":{\"type\":\"rate-limited\",\"message\":\"slow down\"}}".getBytes(StandardCharsets.UTF_8);
        assertThat(SnubaResponses.outcome(429, rateLimited, Duration.ZERO)).isEqualTo(new SnubaOutcome.RateLimited("slow down"));
        assertThat(SnubaResponses.outcome(400, "nope".getBytes(StandardCharsets.UTF_8), Duration.ZERO))
                .isEqualTo(new SnubaOutcome.Rejected(400, "unknown", "nope"));
        assertThat(SnubaResponses.outcome(502, new byte[0], Duration.ZERO))
                .isEqualTo(new SnubaOutcome.Failed("HTTP 502: (empty body)", 502));
    }
}
