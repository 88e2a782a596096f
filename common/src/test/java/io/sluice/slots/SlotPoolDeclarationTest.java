package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.sluice.embedded.EmbeddedRedis;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisPoolAdmin.Outcome;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Declared pools (docs/SLOTS.md, "Declared pools and classes"): a pool is declared, then used. A client
 * is refused a pool that was never declared, and writes nothing to Redis to say so; a pool that lost its
 * data is restored, declaration and all, and fenced, by the clients that knew it.
 */
class SlotPoolDeclarationTest extends OwnRedisTest {
    private static final String POOL = "snuba.getsentry.get_spike_projections";
    private static final Duration TTL = Duration.ofSeconds(2);

    private RedisPoolAdmin admin;
    private RedisClient rawClient;
    private StatefulRedisConnection<String, String> rawConnection;

    @BeforeEach
    void connectAdmin() {
        admin = RedisPoolAdmin.connect(redis.uri(), Duration.ofSeconds(2));
        rawClient = RedisClient.create(redis.uri());
        rawConnection = rawClient.connect();
    }

    @AfterEach
    void closeAdmin() {
        admin.close();
        rawConnection.close();
        rawClient.shutdown();
    }

    private RedisCommands<String, String> raw() {
        return rawConnection.sync();
    }

    /** Every key with its type and serialized value: equal snapshots mean nothing was written. */
    private Map<String, String> snapshot() {
        Map<String, String> all = new TreeMap<>();
        for (String key : raw().keys("*")) {
            all.put(key, raw().type(key) + ":" + java.util.HexFormat.of().formatHex(raw().dump(key)));
        }
        return all;
    }

    private RedisSlotPool client(String pool) {
        return pools.open(pool, 3, b -> b.leaseTtl(TTL).renewEvery(Duration.ofMillis(300)).assumeNewPool(false));
    }

    @Test
    void anUndeclaredPoolIsRefusedAndNothingIsWritten() {
        assertThat(raw().dbsize()).isZero();
        assertThatThrownBy(() -> client("never-declared")).isInstanceOf(UndeclaredPoolException.class)
                .hasMessageStartingWith("no pool never-declared");
        assertThat(raw().dbsize()).as("keys after the refusal").isZero();

        // Beside a declared pool too: its keys are untouched, and none appear for the refused name.
        assertThat(admin.declare(new PoolDeclaration(POOL, 5, List.of()), true, TTL, true)).isEqualTo(Outcome.CREATED);
        Map<String, String> before = snapshot();
        assertThatThrownBy(() -> client("other")).isInstanceOf(UndeclaredPoolException.class);
        assertThat(admin.describe("other")).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aMisspeltNameSuggestsTheDeclaredOne() {
        admin.declare(new PoolDeclaration(POOL, 50, List.of()), true, TTL, true);
        admin.declare(new PoolDeclaration("bench", 5, List.of()), true, TTL, true);
        Map<String, String> before = snapshot();
        assertThatThrownBy(() -> client("snuba.getsentry.get_spike_projection"))
                .isInstanceOf(UndeclaredPoolException.class)
                .hasMessageContaining("no pool snuba.getsentry.get_spike_projection; did you mean " + POOL + "?")
                .satisfies(e -> assertThat(((UndeclaredPoolException) e).suggestion()).isEqualTo(POOL));
        assertThat(snapshot()).isEqualTo(before);
        assertThat(admin.undeclared("zzz").suggestion()).as("nothing near").isNull();
    }

    @Test
    void applyIsIdempotentAndCreateRefusesAnExistingPool() {
        PoolDeclaration v1 = new PoolDeclaration(POOL, 4, List.of(PoolDeclaration.PoolClass.parse("live:3")));
        assertThat(admin.declare(v1, false, TTL, true)).isEqualTo(Outcome.CREATED);
        Map<String, String> created = snapshot();
        assertThat(admin.declare(v1, false, TTL, true)).isEqualTo(Outcome.UNCHANGED);
        assertThat(snapshot()).as("an unchanged apply writes nothing").isEqualTo(created);
        assertThat(admin.declare(v1, true, TTL, true)).isEqualTo(Outcome.EXISTS);
        assertThat(snapshot()).isEqualTo(created);

        RedisSlotPool user = client(POOL);
        assertThat(user.status().limit()).isEqualTo(4);
        PoolDeclaration v2 = new PoolDeclaration(POOL, 6, List.of(PoolDeclaration.PoolClass.parse("live:3"),
                PoolDeclaration.PoolClass.parse("backfill:2:100%:50%")));
        assertThat(admin.declare(v2, false, TTL, true)).isEqualTo(Outcome.CONFIGURED);
        assertThat(admin.describe(POOL).orElseThrow().declaration()).isEqualTo(v2);
        assertThat(user.status().limit()).as("the new limit is live").isEqualTo(6);
        assertThat(admin.declare(v2, false, TTL, true)).isEqualTo(Outcome.UNCHANGED);
    }

    @Test
    void aPoolThatLostItsDataIsRestoredWithItsDeclarationAndFenced() {
        PoolDeclaration declared = new PoolDeclaration(POOL, 3, List.of(PoolDeclaration.PoolClass.parse("live:2:0%:100%")));
        admin.declare(declared, true, TTL, true);
        RedisSlotPool knew = client(POOL);
        assertThat(knew.acquireBlocking("before", Duration.ZERO)).isInstanceOf(Acquisition.Granted.class);
        assertThat(knew.declaration()).isEqualTo(declared.encode());

        raw().flushall();
        assertThat(admin.describe(POOL)).isEmpty();
        // The client that knew the pool keeps running: its next call restores the declaration and fences.
        PoolStatus status = knew.status();
        assertThat(status.fenced()).as("data lost: fenced").isTrue();
        assertThat(admin.describe(POOL).orElseThrow().declaration()).isEqualTo(declared);
        assertThat(knew.acquireBlocking("too early", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        // A pod that never saw it now finds it declared, and waits out the fence like everyone.
        RedisSlotPool newcomer = client(POOL);
        assertThat(newcomer.acquireBlocking("after the fence", Duration.ofSeconds(10))).isInstanceOf(Acquisition.Granted.class);
    }

    @Test
    void theHeartbeatRestoresTheDeclarationWithoutAnyCommandFromTheHolder() {
        PoolDeclaration declared = new PoolDeclaration(POOL, 3, List.of());
        admin.declare(declared, true, TTL, true);
        RedisSlotPool knew = pools.open(POOL, 3, b -> b.leaseTtl(TTL).ticketTtl(Duration.ofMillis(600)).assumeNewPool(false));
        raw().flushall();
        await().atMost(Duration.ofSeconds(5)).until(() -> admin.describe(POOL).isPresent());
        assertThat(admin.describe(POOL).orElseThrow().declaration()).isEqualTo(declared);
        assertThat(admin.describe(POOL).orElseThrow().fencedFor()).isPositive();
        knew.close();
    }

    @Test
    void aPoolFromBeforeDeclarationsCountsAsDeclaredWithItsLiveLimit() {
        raw().set("sluice:{" + POOL + "}:limit", "7");   // v1 kept its live limit beside the leases
        assertThat(admin.describe(POOL).orElseThrow().predeclared()).isTrue();
        RedisSlotPool upgraded = client(POOL);
        assertThat(upgraded.status().limit()).isEqualTo(7);
        assertThat(admin.describe(POOL).orElseThrow().declaration().limit()).isEqualTo(7);
    }
}
