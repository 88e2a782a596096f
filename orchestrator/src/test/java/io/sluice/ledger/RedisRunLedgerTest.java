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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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

    @Test
    void onePublisherPerRunAndEveryWriteChecksTheLease() {
        Window w = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
        Instant t = Instant.parse("2026-11-28T12:00:00Z");
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect();
             RedisRunLedger a = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix);
             RedisRunLedger b = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix)) {
            RunLease first = a.claim("r-4", "pod-a/pid 1", Duration.ofMillis(800));
            RunRecord r = new RunRecord("r-4", "abc", 41, w, -1, RunStatus.RUNNING, t);
            a.start(first, r, new long[]{1, 2});
            assertThatThrownBy(() -> b.claim("r-4", "pod-b/pid 2", Duration.ofSeconds(30)))
                    .isInstanceOf(RunHeldException.class).hasMessageContaining("pod-a/pid 1");
            assertThat(b.holder("r-4")).get().extracting(RunLease.Holder::name).isEqualTo("pod-a/pid 1");

            // pod-a stalls past its ttl; pod-b takes the run with a higher token.
            await().atMost(Duration.ofSeconds(5)).until(() -> b.holder("r-4").isEmpty());
            RunLease second = b.claim("r-4", "pod-b/pid 2", Duration.ofSeconds(30));
            assertThat(second.token()).isGreaterThan(first.token());
            assertThat(a.renew(first)).isFalse();
            assertThatThrownBy(() -> a.update(first, r.withProgress(7, t))).isInstanceOf(LeaseLostException.class);
            assertThat(a.find("r-4").orElseThrow().lastAckedSeq()).isEqualTo(-1);   // the stale write changed nothing
            b.update(second, r.withProgress(0, t));
            assertThat(b.find("r-4").orElseThrow().lastAckedSeq()).isZero();

            // A token reused after Redis lost the counter still cannot pass for another holder's lease.
            c.sync().del(prefix + "{r-5}:fence");
            RunLease x = a.claim("r-5", "pod-x", Duration.ofSeconds(30));
            c.sync().del(prefix + "{r-5}:owner", prefix + "{r-5}:fence");
            RunLease y = b.claim("r-5", "pod-y", Duration.ofSeconds(30));
            assertThat(y.token()).isEqualTo(x.token());
            assertThat(a.renew(x)).isFalse();
            b.release(y);
            assertThat(b.holder("r-5")).isEmpty();
        } finally {
            client.shutdown();
        }
    }

    @Test
    void reclaimRenewsALeaseStillOursRetakesAVanishedOneWithAHigherTokenAndRefusesAnotherHolders() {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> c = client.connect();
             RedisRunLedger a = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix);
             RedisRunLedger b = new RedisRunLedger(uri, Duration.ofSeconds(2), prefix)) {
            RunLease first = a.claim("r-6", "pod-a", Duration.ofSeconds(30));
            assertThat(a.reclaim(first)).isEqualTo(first);   // still ours: renewed, same token

            // Redis lost everything about the run, the token counter too: the token still grows.
            c.sync().del(prefix + "{r-6}:owner", prefix + "{r-6}:fence");
            RunLease again = a.reclaim(first);
            assertThat(again.token()).isGreaterThan(first.token());
            assertThat(again.holder()).isEqualTo("pod-a");
            assertThat(a.renew(first)).isFalse();
            assertThat(a.renew(again)).isTrue();
            assertThatThrownBy(() -> b.claim("r-6", "pod-b", Duration.ofSeconds(30)))
                    .isInstanceOf(RunHeldException.class).hasMessageContaining("pod-a");
            a.release(again);
            assertThat(b.claim("r-6", "pod-b", Duration.ofSeconds(30)).token()).isGreaterThan(again.token());

            // Redis restored from a snapshot taken before that reclaim: the owner is pod-a's older lease. Ours again.
            RunLease older = a.claim("r-8", "pod-a", Duration.ofSeconds(30));
            RunLease newer = a.reclaim(new RunLease("r-8", older.token() + 5, "pod-a", Duration.ofSeconds(30)));
            assertThat(newer.token()).isEqualTo(older.token() + 6);
            assertThat(a.holder("r-8")).get().extracting(RunLease.Holder::token).isEqualTo(newer.token());

            // Another holder has the run: refused, naming it.
            assertThatThrownBy(() -> a.reclaim(again)).isInstanceOf(RunHeldException.class).hasMessageContaining("pod-b");
        } finally {
            client.shutdown();
        }
    }
}
