package io.sluice.ledger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.sluice.embedded.SharedServers;
import io.sluice.messages.Window;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RedisRunLedgerTest {
    private final String uri = SharedServers.redis().uri();
    private final String prefix = SharedServers.uniqueName("ledger-test") + ":run:";

    @Test
    void aRunIsOneHashThatKeepsProgressAndStatus() {
        Window w = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
        Instant t = Instant.parse("2026-11-28T12:00:00Z");
        try (RedisRunLedger ledger = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix)) {
            assertThat(ledger.find("r-1")).isEmpty();
            RunLease lease = ledger.claim("r-1", "test", Duration.ofSeconds(30));
            RunRecord r = new RunRecord("r-1", "abc", 41, w, -1, RunStatus.RUNNING, t);
            ledger.start(lease, r, new long[]{1, 2, 3});
            ledger.update(lease, r.withProgress(0, t.plusSeconds(2)));
            ledger.update(lease, r.withProgress(1, t.plusSeconds(4)));
            ledger.update(lease, r.withProgress(1, t.plusSeconds(4)).withStatus(RunStatus.STOPPED, t.plusSeconds(5)));
        }
        try (RedisRunLedger reopened = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix)) {
            assertThat(reopened.find("r-1")).contains(new RunRecord("r-1", "abc", 41, w, 1, RunStatus.STOPPED, t.plusSeconds(5),
                    -1, t, null, null));
            assertThat(reopened.plan("r-1")).get().isEqualTo(new long[]{1, 2, 3});
        }
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            Map<String, String> h = c.sync().hgetall(prefix + "{r-1}");
            assertThat(h).containsEntry("fingerprint", "abc").containsEntry("total", "41")
                    .containsEntry("windowStart", "2026-11-21T00:00:00Z").containsEntry("windowEnd", "2026-11-28T00:00:00Z")
                    .containsEntry("lastAckedSeq", "1").containsEntry("status", "STOPPED").containsKey("updatedAt");
        } finally {
            client.shutdown();
        }
    }

    /** Chaos finding: a Redis restart without persistence used to leave a partial hash and a resume crash-looped. */
    @Test
    void aRecordLostWithRedisIsWrittenBackWholeByTheNextAckAndAPartialOneCountsAsNone() {
        Window w = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
        Instant t = Instant.parse("2026-11-28T12:00:00Z");
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect();
             RedisRunLedger ledger = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix)) {
            RunLease lease = ledger.claim("r-2", "test", Duration.ofSeconds(30));
            RunRecord r = new RunRecord("r-2", "abc", 41, w, -1, RunStatus.RUNNING, t);
            ledger.start(lease, r, new long[]{1});
            ledger.update(lease, r.withProgress(0, t.plusSeconds(2)));
            c.sync().del(prefix + "{r-2}");   // what a restart without persistence does to a hash
            ledger.update(lease, r.withProgress(1, t.plusSeconds(4)));
            assertThat(ledger.find("r-2")).contains(new RunRecord("r-2", "abc", 41, w, 1, RunStatus.RUNNING, t.plusSeconds(4),
                    -1, t, null, null));

            c.sync().hset(prefix + "{r-3}", Map.of("lastAckedSeq", "7", "updatedAt", t.toString()));
            assertThat(ledger.find("r-3")).isEmpty();
        } finally {
            client.shutdown();
        }
    }
}
