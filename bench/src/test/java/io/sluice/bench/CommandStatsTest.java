package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.embedded.SharedServers;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandStatsTest {
    private static final String INFO = "# Commandstats\r\n"
            + "cmdstat_evalsha:calls=10251,usec=81234,usec_per_call=7.92,rejected_calls=0,failed_calls=0\r\n"
            + "cmdstat_info:calls=3,usec=120,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r\n"
            + "cmdstat_client|setname:calls=2,usec=3,usec_per_call=1.50,rejected_calls=0,failed_calls=0\r\n"
            + "cmdstat_publish:calls=5277\r\n";

    @Test
    void parsesCallsOfEveryCommandIncludingSubcommands() {
        assertThat(CommandStats.parse(INFO)).containsExactlyInAnyOrderEntriesOf(
                Map.of("evalsha", 10251L, "evalsha.usec", 81234L, "info", 3L, "client|setname", 2L, "publish", 5277L));
        assertThat(CommandStats.parse("# Commandstats\r\n")).isEmpty();
    }

    @Test
    void deltaTakesOffTheEarlierSnapshotsInfoAndDropsUnchangedCommands() {
        Map<String, Long> before = Map.of("evalsha", 100L, "info", 4L, "get", 7L);
        Map<String, Long> after = Map.of("evalsha", 160L, "info", 5L, "get", 7L, "zadd", 3L);
        assertThat(CommandStats.delta(before, after)).containsExactlyInAnyOrderEntriesOf(Map.of("evalsha", 60L, "zadd", 3L));
        assertThat(CommandStats.total(CommandStats.delta(before, after))).isEqualTo(63);
        // script microseconds are a delta too, but not commands
        assertThat(CommandStats.total(Map.of("evalsha", 60L, CommandStats.SCRIPT_USEC, 480L))).isEqualTo(60);
    }

    @Test
    void theProbesOwnCommandsAreTakenOff() {
        Map<String, Long> delta = Map.of("evalsha", 60L, "publish", 25L, "ping", 10L);
        assertThat(CommandStats.without(delta, Map.of("ping", 10L, "publish", 10L)))
                .containsExactlyInAnyOrderEntriesOf(Map.of("evalsha", 60L, "publish", 15L));
    }

    @Test
    void twoSnapshotsOnAnIdleServerDifferByNothing() throws Exception {
        // A real redis-server: only this connection talks to the pool's own database here.
        try (CommandStats stats = new CommandStats(SharedServers.redis().uri())) {
            Map<String, Long> before = stats.snapshot();
            Map<String, Long> after = stats.snapshot();
            Map<String, Long> delta = CommandStats.delta(before, after);
            delta.keySet().removeIf(k -> !k.equals("info"));
            assertThat(delta).isEmpty();
            assertThat(after.get("info")).isEqualTo(before.getOrDefault("info", 0L) + 1);
        }
    }

    @Test
    void pingRoundTripsAreSortedAndPositive() throws Exception {
        try (CommandStats stats = new CommandStats(SharedServers.redis().uri())) {
            long[] rtt = stats.pingRoundTrips(50);
            assertThat(rtt).hasSize(50).isSorted();
            assertThat(rtt[0]).isPositive();
        }
    }
}
