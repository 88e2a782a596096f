package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.FreePorts;
import io.sluice.slots.Acquisition;
import io.sluice.slots.SlotPool;
import io.sluice.slots.internal.RedisSlotPool;
import io.sluice.worker.gate.Gates;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code sluice slots} against the shared Redis, each test on a pool of its own. */
class SlotsCommandTest {

    @Test
    void setLimitChangesWhatThePoolGrants() {
        try (OpsFixture ops = OpsFixture.kafkaOnly();
             SlotPool client = Gates.pool(ops.config, "test-client", new SimpleMeterRegistry())) {
            Cli.Result r = Cli.run(new SlotsCommand(), ops.args("set-limit", "2"));

            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("pool " + ops.name + ": limit 50 -> 2\n");
            List<Acquisition> tries = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                tries.add(client.acquireBlocking("owner-" + i, Duration.ZERO));
            }
            assertThat(tries).filteredOn(Acquisition::isGranted).hasSize(2);
            assertThat(tries.get(2)).isInstanceOf(Acquisition.Refused.class);
        }
    }

    @Test
    void setLimitBelowOneExitsTwoNamingTheValidRange() {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            Cli.Result r = Cli.run(new SlotsCommand(), ops.args("set-limit", "0"));

            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("set-limit N: 0 is out of range; valid: 1..1000000");
        }
    }

    /** The live limit has the range the config file gives slots.limit: what set-limit accepts, a config could say. */
    @Test
    void setLimitAcceptsExactlyTheRangeOfSlotsLimit() {
        try (OpsFixture ops = OpsFixture.kafkaOnly()) {
            Cli.Result r = Cli.run(new SlotsCommand(), ops.args("set-limit", "5000000"));
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("set-limit N: 5000000 is out of range; valid: 1..1000000");
        }
        java.util.function.IntFunction<Boolean> configAccepts = n -> {
            try {
                new io.sluice.config.ConfigLoader().load(null, java.util.Map.of(), java.util.Map.of("slots.limit", String.valueOf(n)));
                return true;
            } catch (io.sluice.config.ConfigException e) {
                return false;
            }
        };
        assertThat(configAccepts.apply(SlotsCommand.SetLimit.MAX_LIMIT)).isTrue();
        assertThat(configAccepts.apply(SlotsCommand.SetLimit.MAX_LIMIT + 1)).isFalse();
    }

    @Test
    void statusShowsTheLeasesHeldAsJsonAndAsATable() throws Exception {
        try (OpsFixture ops = OpsFixture.kafkaOnly();
             SlotPool client = Gates.pool(ops.config, "test-client", new SimpleMeterRegistry())) {
            assertThat(client.acquireBlocking("worker-a/org-7", Duration.ZERO).isGranted()).isTrue();
            assertThat(client.acquireBlocking("worker-b/org-9", Duration.ZERO).isGranted()).isTrue();

            Cli.Result json = Cli.run(new SlotsCommand(), ops.args("status", "--json"));
            assertThat(json.exit()).as(json.toString()).isZero();
            JsonNode n = new ObjectMapper().readTree(json.out());
            assertThat(n.get("pool").asText()).isEqualTo(ops.name);
            assertThat(n.get("limit").asInt()).isEqualTo(50);
            assertThat(n.get("inUse").asInt()).isEqualTo(2);
            assertThat(n.get("waiters").asInt()).isZero();
            assertThat(n.get("abandoned").asInt()).isZero();
            List<String> owners = new ArrayList<>();
            n.get("leases").forEach(l -> {
                owners.add(l.get("owner").asText());
                assertThat(l.get("ageMs").asLong()).isNotNegative();
                assertThat(l.get("expiresInMs").asLong()).isPositive();
            });
            assertThat(owners).containsExactlyInAnyOrder("worker-a/org-7", "worker-b/org-9");

            // --config after the subcommand works too
            Cli.Result table = Cli.run(new SlotsCommand(), "status", "--config", ops.configFile.toString());
            assertThat(table.exit()).as(table.toString()).isZero();
            System.out.print(json.out() + table.out());
            assertThat(table.out()).contains("pool     " + ops.name, "limit    50", "in use   2", "waiters  0", "abandoned 0",
                    "OWNER", "worker-a/org-7", "worker-b/org-9");
        }
    }

    @Test
    void aPoolCreatedWhereRedisHoldsNothingIsFencedAndStatusSaysSo() throws Exception {
        // No assume-new-pool: to the operator's create, an absent pool may be one that Redis lost.
        try (OpsFixture ops = new OpsFixture("http://127.0.0.1:9",
                "slots:\n  pool: %s\n  limit: 3\n  lease-ttl: 5s\n  renew-every: 1s\n  assume-new-pool: false\n"
                + "downstream:\n  max-query-time: 5s\n")) {
            Cli.Result undeclared = Cli.run(new SlotsCommand(), ops.args("status"));
            assertThat(undeclared.exit()).as(undeclared.toString()).isEqualTo(2);
            assertThat(undeclared.err()).startsWith("error: no pool " + ops.name);
            Cli.Result created = Cli.run(new SlotsCommand(), ops.args("create", ops.name, "--limit", "3"));
            assertThat(created.exit()).as(created.toString()).isZero();
            assertThat(created.out()).isEqualTo("pool " + ops.name + " created\n");

            Cli.Result table = Cli.run(new SlotsCommand(), ops.args("status"));
            assertThat(table.exit()).as(table.toString()).isZero();
            assertThat(table.out()).contains("FENCED   no new grants for");
            Cli.Result json = Cli.run(new SlotsCommand(), ops.args("status", "--json"));
            long fencedForMs = new ObjectMapper().readTree(json.out()).get("fencedForMs").asLong();
            assertThat(fencedForMs).isBetween(1L, 5_000L);
            try (SlotPool worker = Gates.pool(ops.config, "worker", new SimpleMeterRegistry())) {
                assertThat(worker.acquireBlocking("too early", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
            }
        }
    }

    @Test
    void reapReclaimsTheSlotOfACrashedHolder() {
        try (OpsFixture ops = new OpsFixture("http://127.0.0.1:9", "slots:\n  pool: %s\n  limit: 1\n  lease-ttl: 300ms\n  renew-every: 100ms\n"
                + "downstream:\n  max-query-time: 300ms\n")) {
            RedisSlotPool crashed = (RedisSlotPool) Gates.pool(ops.config, "crashed", new SimpleMeterRegistry());
            Acquisition held = crashed.acquireBlocking("doomed", Duration.ZERO);
            assertThat(held.isGranted()).isTrue();
            Instant expiry = ((Acquisition.Granted) held).lease().expiresAt();
            crashed.closeAbruptly();
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expiry.plusMillis(50)));

            Cli.Result r = Cli.run(new SlotsCommand(), ops.args("reap"));
            System.out.print(r.out());

            assertThat(r.exit()).as(r.toString()).isZero();
            // The admin client's own connect heartbeat must not have purged it first: reap finds exactly this one.
            assertThat(r.out()).isEqualTo("pool " + ops.name + ": reaped 1 expired lease; in use 0 of 1\n");
            try (SlotPool next = Gates.pool(ops.config, "next", new SimpleMeterRegistry())) {
                assertThat(next.acquireBlocking("next", Duration.ZERO).isGranted()).isTrue();
            }
        }
    }

    @Test
    void unreachableRedisExitsOneWithOneLineAndNoPassword() throws IOException {
        int port = FreePorts.pick();
        Path config = Files.createTempFile("slots-down", ".yaml");
        Files.writeString(config, "redis:\n  uri: redis://ops:s3cret@127.0.0.1:" + port + "\n  timeout: 500ms\n");
        try {
            long t0 = System.nanoTime();
            Cli.Result r = Cli.run(new SlotsCommand(), "--config", config.toString(), "status");
            long ms = (System.nanoTime() - t0) / 1_000_000;

            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).startsWith("error: slot pool snuba.getsentry.get_spike_projections at redis://ops:")
                    .contains("127.0.0.1:" + port, "(redis.uri)", "500ms (redis.timeout)")
                    .doesNotContain("s3cret").doesNotContain("\tat ");
            assertThat(r.err().strip().lines()).hasSize(1);
            assertThat(ms).as("gave up without waiting on retries").isLessThan(8_000);
        } finally {
            Files.deleteIfExists(config);
        }
    }

    @Test
    void noSubcommandIsAUsageError() {
        Cli.Result r = Cli.run(new SlotsCommand());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("error: missing subcommand; valid: status, set-limit, reap, create, apply, describe, list");
    }
}
