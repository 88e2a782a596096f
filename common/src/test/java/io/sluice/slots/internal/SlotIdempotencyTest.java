package io.sluice.slots.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A re-sent acquire (Lettuce re-sends in-flight commands after a reconnect; a caller may ask again
 * after a timeout whose command did run) gets the grant its first run made, not a second one and
 * not a refusal. Runs the script itself twice with the same arguments, as a re-send does.
 */
class SlotIdempotencyTest {
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private SlotScripts scripts;
    private String[] keys;
    private String prefix;

    @BeforeEach
    void start() throws Exception {
        client = RedisClient.create(SharedServers.redis().uri());
        connection = client.connect();
        scripts = new SlotScripts(connection.async(), new LinkWatch("t", Duration.ofSeconds(1), System::nanoTime), "PUBLISH");
        scripts.loadAll().get(5, TimeUnit.SECONDS);
        String p = "sluice:{" + SharedServers.uniqueName("idem") + "}:";
        keys = new String[] {p + "leases", p + "queue", p + "clients"};
        prefix = p + "grants:";
    }

    @AfterEach
    void stop() {
        connection.close();
        client.shutdown();
    }

    /** limit 1, lease TTL 30 s, a pool known to be new. */
    private List<Object> acquire(String... pairs) throws Exception {
        return acquireKnowing("", pairs);
    }

    /** As {@link #acquire}, by a caller that knows {@code epoch} ("" for none). */
    private List<Object> acquireKnowing(String epoch, String... pairs) throws Exception {
        String[] args = new String[4 + pairs.length];
        args[0] = "1:30000:" + epoch + ":0:0:" + (epoch.isEmpty() ? "1" : "0") + ":0";
        args[1] = "30000";
        args[2] = prefix;
        args[3] = "0";
        System.arraycopy(pairs, 0, args, 4, pairs.length);
        return scripts.run(Script.ACQUIRE_MANY, keys, args).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aReSentAcquireReturnsItsGrantEvenThoughThePoolIsFullNow() throws Exception {
        String id = "worker|c1|1|1000";
        assertThat(acquire(id, "").get(3)).isEqualTo(id);
        assertThat(acquire(id, "").get(3)).as("the re-sent request").isEqualTo(id);
        assertThat(acquire("worker|c1|2|1001", "").get(3)).as("another request: the pool is full").isInstanceOf(Long.class);
        // one live lease in Redis (state members have score 0)
        assertThat(connection.sync().zcount(keys[0], io.lettuce.core.Range.create(1.0, Double.MAX_VALUE))).isEqualTo(1);
    }

    @Test
    void aReSentTicketKeepsItsPlaceInTheQueue() throws Exception {
        assertThat(acquire("holder|c1|1|1000", "").get(3)).isEqualTo("holder|c1|1|1000");
        acquire("a|c1|2|1001", "a|c1|2|1001|30000");
        acquire("b|c2|1|1002", "b|c2|1|1002|30000");
        acquire("a|c1|2|1001", "a|c1|2|1001|30000");   // re-sent
        assertThat(connection.sync().zrange(keys[1], 0, -1)).containsExactly("a|c1|2|1001|30000", "b|c2|1|1002|30000");
    }

    @Test
    void anArrivalBehindWaitersQueuesWithoutReadingTheClockOrTheState() throws Exception {
        assertThat(acquire("holder|c1|1|1000", "").get(3)).isEqualTo("holder|c1|1|1000");
        List<Object> first = acquire("a|c1|2|1001", "a|c1|2|1001|30000");
        assertThat((Long) first.get(0)).as("nobody waited: the full path, with Redis time").isPositive();
        List<Object> behind = acquire("b|c2|1|1002", "b|c2|1|1002|30000", "c|c2|2|1003", "c|c2|2|1003|30000");
        assertThat(behind).as("the fast path: queued, no clock, figures or state").containsExactly(-1L, -1L, -1L, 0L, 0L, "");
        assertThat(connection.sync().zrange(keys[1], 0, -1))
                .containsExactly("a|c1|2|1001|30000", "b|c2|1|1002|30000", "c|c2|2|1003|30000");
    }

    /** Calls that read no state still tell a caller that knows the epoch the pool's generation. */
    @Test
    void theQueueBehindPathAndAReleaseNobodyWaitsForCarryTheGeneration() throws Exception {
        List<Object> granted = acquire("holder|c1|1|1000", "");
        String epochGen = (String) granted.get(granted.size() - 1);
        String epoch = epochGen.substring(0, epochGen.indexOf(':'));
        assertThat(epochGen).isEqualTo(epoch + ":1");
        acquire("a|c1|2|1001", "a|c1|2|1001|30000");   // now others wait
        List<Object> behind = acquireKnowing(epoch, "b|c2|1|1002", "b|c2|1|1002|30000");
        assertThat(behind).as("the fast path, with the generation").containsExactly(-1L, -1L, -1L, 0L, epoch + ":1");
        List<Object> stranger = acquireKnowing("123", "c|c2|2|1003", "c|c2|2|1003|30000");
        assertThat(stranger.get(stranger.size() - 1)).as("another epoch: nothing to learn here").isEqualTo("");
        connection.sync().del(keys[1]);   // nobody waits any more
        List<Object> released = scripts.run(Script.RELEASE_MANY, keys, "1:30000:" + epoch + ":0:0:0:0", prefix, "0",
                "holder|c1|1|1000").get(5, TimeUnit.SECONDS);
        assertThat(released).containsExactly(1L, 0L, epoch + ":1");
    }

    @Test
    void aReSentArrivalThatWasGrantedGetsItsLeaseBackEvenBehindWaiters() throws Exception {
        String id = "x|c1|1|1000";
        assertThat(acquire(id, id + "|30000").get(3)).as("room: granted").isEqualTo(id);
        acquire("a|c2|1|1001", "a|c2|1|1001|30000"); // now others wait
        List<Object> again = acquire(id, id + "|30000"); // the re-send
        assertThat(again.get(3)).as("the re-sent request").isEqualTo(id);
        assertThat(connection.sync().zrange(keys[1], 0, -1)).as("not queued as well").containsExactly("a|c2|1|1001|30000");
    }
}
