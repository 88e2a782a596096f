package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RestoreArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The data-loss fence (docs/SLOTS.md, "Fencing"): after Redis loses any part of the pool, no new
 * grant is made until every lease granted before the loss must have expired, whoever calls first.
 * In each test a holder dies holding slots (its query may still run downstream), then Redis loses
 * state; a newcomer must not get those slots before the longest lease TTL has passed.
 */
class SlotPoolFencingTest extends OwnRedisTest {
    private static final Duration TTL = Duration.ofSeconds(3);

    private RedisClient rawClient;
    private StatefulRedisConnection<String, String> rawConnection;

    @AfterEach
    void closeRawClient() {
        if (rawClient != null) {
            rawConnection.close();
            rawClient.shutdown();
        }
    }

    private RedisCommands<String, String> raw() {
        if (rawClient == null) {
            rawClient = RedisClient.create(redis.uri());
            rawConnection = rawClient.connect();
        }
        return rawConnection.sync();
    }

    /** A client with the workers' config that has never seen the pool (an admin command, a new pod). */
    private RedisSlotPool stranger(int limit) {
        return pools.open("p", limit, b -> b.leaseTtl(TTL).assumeNewPool(false));
    }

    /** A dead holder: took {@code n} slots, then crashed without releasing them. */
    private void dieHolding(int limit, int n) {
        RedisSlotPool dying = pools.open("p", limit, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(500)));
        for (int i = 0; i < n; i++) {
            assertThat(dying.acquireBlocking("orphan-" + i, Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
        }
        dying.closeAbruptly();
    }

    /** A newcomer is refused now, and is granted only once {@link #TTL} has passed since {@code lostNanos}. */
    private void assertFencedForTtlSince(long lostNanos) {
        RedisSlotPool newcomer = pools.open("p", 2, b -> b.leaseTtl(Duration.ofSeconds(1)));
        assertThat(newcomer.acquireBlocking("too early", Duration.ZERO)).as("a grant right after the loss")
                .isInstanceOf(Acquisition.Refused.class);
        Acquisition later = newcomer.acquireBlocking("after the fence", Duration.ofSeconds(10));
        long afterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostNanos);
        assertThat(later).isInstanceOf(Acquisition.Granted.class);
        assertThat(afterMs).as("granted only when every lease from before the loss has expired")
                .isGreaterThanOrEqualTo(TTL.toMillis() - 100);
    }

    enum FirstCaller { ADMIN_STATUS, ADMIN_SET_LIMIT, ADMIN_REAP, NEW_POD, OLD_POD }

    @ParameterizedTest
    @EnumSource(FirstCaller.class)
    void afterARestartEmptyNothingIsGrantedForALeaseTtlWhoeverCallsFirst(FirstCaller first) {
        // Only in the OLD_POD case does a client that knew the pool live on (it would extend the fence).
        RedisSlotPool old = first == FirstCaller.OLD_POD
                ? pools.open("p", 2, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(500))) : null;
        dieHolding(2, 2);
        redis.restart();
        long lost = System.nanoTime();
        if (first != FirstCaller.OLD_POD) {
            // Nobody alive knew the pool: to a client that never saw it, it is undeclared. It is refused and
            // writes nothing, whatever it came to do (status, set-limit, reap, work) ...
            assertThatThrownBy(() -> stranger(2)).isInstanceOf(UndeclaredPoolException.class);
            assertThat(raw().dbsize()).isZero();
            // ... until the operator applies the declarations again, which builds the pool fenced.
            try (RedisPoolAdmin admin = RedisPoolAdmin.connect(redis.uri(), Duration.ofSeconds(2))) {
                assertThat(admin.declare(new PoolDeclaration("p", 2, List.of()), false, TTL, false))
                        .isEqualTo(RedisPoolAdmin.Outcome.CREATED);
            }
        }
        switch (first) {
            case ADMIN_STATUS -> assertThat(stranger(2).status().fenced()).isTrue();
            case ADMIN_SET_LIMIT -> stranger(2).setLimit(2);
            case ADMIN_REAP -> stranger(2).reap();
            case NEW_POD -> stranger(2);
            case OLD_POD -> {
                // Failed while it reconnects; its first answer from the emptied Redis must be a refusal.
                Acquisition a = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                        .until(() -> old.acquireBlocking("old pod", Duration.ZERO), r -> !(r instanceof Acquisition.Failed));
                assertThat(a).isInstanceOf(Acquisition.Refused.class);
            }
        }
        assertFencedForTtlSince(lost);
    }

    @Test
    void theFenceLastsTheLongestLeaseTtlAnyClientRegisteredNotTheFencersOwn() {
        dieHolding(2, 2);   // its leases lasted 3 s
        RedisSlotPool shortLived = pools.open("p", 2, b -> b.leaseTtl(Duration.ofMillis(500)).renewEvery(Duration.ofMillis(100)));
        assertThat(shortLived.status().maxLeaseTtl()).isEqualTo(TTL);
        raw().flushall();
        long lost = System.nanoTime();
        // First after the loss: an operator's apply that only knows the 500 ms its config names.
        try (RedisPoolAdmin declarer = RedisPoolAdmin.connect(redis.uri(), Duration.ofSeconds(2))) {
            declarer.declare(new PoolDeclaration("p", 2, List.of()), false, Duration.ofMillis(500), false);
        }
        RedisSlotPool admin = pools.open("p", 2, b -> b.leaseTtl(Duration.ofMillis(500)).assumeNewPool(false));
        // The short-lived client knew the pool's 3 s: at its next call it extends the fence.
        await().atMost(Duration.ofSeconds(2)).until(() -> admin.status().fencedFor().toMillis() > 1_000);
        assertFencedForTtlSince(lost);
    }

    @Test
    void anOlderSnapshotIsFencedWhenAHolderFindsItsLeaseGone() {
        RedisSlotPool living = pools.open("p", 3, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(200)));
        Lease before = ((Acquisition.Granted) living.acquireBlocking("in the snapshot", Duration.ZERO)).lease();
        raw().save();
        Lease after = ((Acquisition.Granted) living.acquireBlocking("after the snapshot", Duration.ZERO)).lease();
        dieHolding(3, 1);
        redis.restart();   // loads the older dump.rdb: same epoch, two leases missing
        long lost = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).ignoreExceptions().until(() -> living.status().fenced());   // reconnecting at first
        assertThat(before.lost()).isNotDone();
        assertThat(after.lost()).as("re-admitted: its holder is alive").isNotDone();
        assertFencedForTtlSince(lost);
    }

    /**
     * The holder of the only grant made after the snapshot is dead, so no renewal will find its lease
     * missing. A client that saw that grant's generation (here: refused while it was held) fences the
     * rolled-back pool on its next call instead of taking the slot the dead holder's query still uses.
     */
    @Test
    void aRollbackIsFencedByAnyClientThatSawALaterGrantEvenWhenItsHolderIsDead() {
        RedisSlotPool other = pools.open("p", 1, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(200)));
        other.status();   // knows the pool's epoch
        byte[] older = raw().dump("sluice:{p}:leases");
        dieHolding(1, 1);
        assertThat(other.acquireBlocking("while the orphan is held", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        raw().restore("sluice:{p}:leases", older, RestoreArgs.Builder.ttl(0).replace());   // the pool as in an older snapshot
        long lost = System.nanoTime();
        assertThat(other.acquireBlocking("after the rollback", Duration.ZERO)).as("the orphan's slot, its query still running")
                .isInstanceOf(Acquisition.Refused.class);
        assertThat(other.status().fenced()).isTrue();
        assertFencedForTtlSince(lost);
    }

    /**
     * An older epoch's snapshot comes back (a restore from backup after the pool had been rebuilt):
     * its born lies more than a TTL in the past, and the grants of the newer epoch are gone while
     * their queries run. A client that knew the newer epoch fences from now, not from that born.
     */
    @Test
    void aRestoredOlderEpochIsFencedFromNowByAClientThatKnewTheNewerOne() {
        RedisSlotPool knower = pools.open("p", 1, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(200)));
        String olderEpoch = knower.status().epoch();
        byte[] older = raw().dump("sluice:{p}:leases");
        raw().del("sluice:{p}:leases");   // lost: the next call rebuilds the pool under a new epoch, fenced for a TTL
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> !knower.status().fenced());
        assertThat(knower.status().epoch()).isNotEqualTo(olderEpoch);
        dieHolding(1, 1);   // a grant of the newer epoch; its query still runs
        raw().restore("sluice:{p}:leases", older, RestoreArgs.Builder.ttl(0).replace());
        long lost = System.nanoTime();
        assertThat(knower.acquireBlocking("after the restore", Duration.ZERO)).as("the orphan's slot, its query still running")
                .isInstanceOf(Acquisition.Refused.class);
        PoolStatus status = knower.status();
        assertThat(status.epoch()).isEqualTo(olderEpoch);
        assertThat(status.fenced()).isTrue();
        assertFencedForTtlSince(lost);
    }

    /**
     * A hand-off's grant is heard by the releasing client (its release's reply) and the waiter (its
     * grant message) only. The waiter dies holding it, and Redis goes back to before the hand-off. The
     * releaser's next call must fence: when releases did not carry the generation, nobody alive knew the
     * lost one, and the next grants (by clients that never heard it) raised the pool's generation past it.
     */
    @Test
    void aRollbackOfAHandOffIsFencedByTheClientThatReleased() {
        // Heartbeats every 10 s: within this test only the calls below tell a client the generation.
        RedisSlotPool releaser = pools.open("p", 1, b -> b.leaseTtl(Duration.ofMillis(800)).renewEvery(Duration.ofMillis(200))
                .ticketTtl(Duration.ofSeconds(30)));
        RedisSlotPool waiter = pools.open("p", 1, b -> b.leaseTtl(TTL).ticketTtl(Duration.ofSeconds(30)));
        RedisSlotPool watcher = pools.open("p", 1, b -> b.leaseTtl(TTL).ticketTtl(Duration.ofSeconds(30)));
        Lease first = ((Acquisition.Granted) releaser.acquireBlocking("first", Duration.ZERO)).lease();
        CompletableFuture<Acquisition> queued = waiter.acquire("orphan", Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(2)).until(() -> watcher.status().waiters() == 1);
        byte[] beforeHandOff = raw().dump("sluice:{p}:leases");
        releaser.release(first).join();   // hands the slot to the waiter
        assertThat(queued.join()).isInstanceOf(Acquisition.Granted.class);
        waiter.closeAbruptly();           // its query still runs
        raw().restore("sluice:{p}:leases", beforeHandOff, RestoreArgs.Builder.ttl(0).replace());
        long lost = System.nanoTime();
        assertThat(releaser.status().fenced()).as("the releaser heard the lost grant's generation").isTrue();
        assertFencedForTtlSince(lost);
    }

    @Test
    void losingTheLeasesKeyFencesAndKeepsTheOperatorsLimit() {
        RedisSlotPool living = pools.open("p", 3, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(200)));
        living.setLimit(2);   // the operator's limit, below the configured 3
        Lease kept = ((Acquisition.Granted) living.acquireBlocking("live", Duration.ZERO)).lease();
        dieHolding(3, 1);
        raw().del("sluice:{p}:leases");
        long lost = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).until(() -> living.status().inUse() == 1);
        PoolStatus status = living.status();
        assertThat(status.fenced()).isTrue();
        assertThat(status.limit()).as("the live limit, not the configured one").isEqualTo(2);
        assertThat(kept.lost()).isNotDone();
        assertFencedForTtlSince(lost);
    }

    @Test
    void aPoolUpgradedFromV1KeepsTheLiveLimitOfItsLimitKeyAndIsFencedOnce() {
        raw().set("sluice:{p}:limit", "2");   // v1: the live limit an operator set, beside v1's leases
        RedisSlotPool upgraded = stranger(5);
        PoolStatus status = upgraded.status();
        assertThat(status.limit()).as("v1's live limit, not the configured 5").isEqualTo(2);
        assertThat(status.fenced()).as("v1 leases may still run: fenced once").isTrue();
    }

    @Test
    void aPoolThatIsKnownNewIsNotFencedButAnUnknownOneIs() {
        RedisSlotPool fresh = pools.open("p", 1, b -> b.leaseTtl(TTL));
        assertThat(fresh.status().fenced()).isFalse();
        assertThat(fresh.acquireBlocking("a", Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
        // A pool nobody declared is no pool at all to a client not told it is new: refused, nothing written.
        long keys = raw().dbsize();
        assertThatThrownBy(() -> pools.open("q", 1, b -> b.leaseTtl(TTL).assumeNewPool(false)))
                .isInstanceOf(UndeclaredPoolException.class);
        assertThat(raw().dbsize()).isEqualTo(keys);
    }
}
