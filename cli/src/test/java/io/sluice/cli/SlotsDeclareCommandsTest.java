package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.slots.UndeclaredPoolException;
import io.sluice.embedded.SharedServers;
import io.sluice.worker.gate.Gates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice slots create | apply | describe | list} against the shared Redis, and the refusal of a pool that
 * was never declared by every other command, which writes nothing (no key of the refused name appears, no key of
 * the declared pool changes).
 */
class SlotsDeclareCommandsTest {
    private static final String PRODUCTION = "slots:\n  pool: %s\n  limit: 5\n  lease-ttl: 2s\n  renew-every: 500ms\n"
            + "  assume-new-pool: false\ndownstream:\n  max-query-time: 2s\n";

    private RedisClient raw;
    private StatefulRedisConnection<String, String> conn;

    @BeforeEach
    void connect() {
        raw = RedisClient.create(SharedServers.redis().uri());
        conn = raw.connect();
    }

    @AfterEach
    void disconnect() {
        conn.close();
        raw.shutdown();
    }

    /** The keys of {@code pool}, each with its serialized value. */
    private Map<String, String> keysOf(String pool) {
        Map<String, String> all = new TreeMap<>();
        for (String key : conn.sync().keys("sluice:{" + pool + "}*")) {
            byte[] dump = conn.sync().dump(key);
            all.put(key, dump == null ? "" : java.util.HexFormat.of().formatHex(dump));
        }
        return all;
    }

    @Test
    void aMisspeltPoolExitsTwoFromEveryCommandSuggestingTheDeclaredOneAndWritesNothing() throws Exception {
        try (OpsFixture ops = new OpsFixture("http://127.0.0.1:9", PRODUCTION)) {
            // A long name as in production, so that no other test's pool in the shared Redis is nearer.
            String pool = ops.name + ".snuba.getsentry.get_spike_projections";
            Cli.Result created = Cli.run(new SlotsCommand(), ops.args("create", pool, "--limit", "5"));
            assertThat(created.exit()).as(created.toString()).isZero();
            String misspelt = pool.substring(0, pool.length() - 1);
            Map<String, String> declared = keysOf(pool);
            String[] misspeltSet = {"--set", "slots.pool=" + misspelt};
            for (List<String> command : List.of(List.of("status"), List.of("set-limit", "30"), List.of("reap"),
                    List.of("describe"), List.of("describe", misspelt))) {
                String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(ops.args(command.toArray(String[]::new))),
                        java.util.Arrays.stream(misspeltSet)).toArray(String[]::new);
                Cli.Result r = Cli.run(new SlotsCommand(), args);
                assertThat(r.exit()).as(command + ": " + r).isEqualTo(2);
                assertThat(r.err()).as(command.toString()).startsWith("error: no pool " + misspelt + "; did you mean " + pool + "?");
                assertThat(keysOf(misspelt)).as(command + " wrote nothing for the misspelt pool").isEmpty();
            }
            // A worker (and the chaos check, which opens the pool the same way) is refused too.
            var workerConfig = new io.sluice.config.ConfigLoader().load(ops.configFile, Map.of(), Map.of("slots.pool", misspelt));
            assertThatThrownBy(() -> Gates.open(workerConfig, "w", new SimpleMeterRegistry()))
                    .isInstanceOf(UndeclaredPoolException.class).hasMessageContaining("did you mean " + pool + "?");
            assertThat(keysOf(misspelt)).isEmpty();
            assertThat(keysOf(pool)).as("the declared pool is untouched").isEqualTo(declared);
        }
    }

    @Test
    void createDescribeAndListShowTheDeclarationAndCreateRefusesAnExistingPool() throws Exception {
        try (OpsFixture ops = new OpsFixture("http://127.0.0.1:9", PRODUCTION)) {
            Cli.Result created = Cli.run(new SlotsCommand(), ops.args("create", ops.name, "--limit", "50",
                    "--class", "live:40", "--class", "backfill:10:100%:50%"));
            assertThat(created.exit()).as(created.toString()).isZero();
            Cli.Result again = Cli.run(new SlotsCommand(), ops.args("create", ops.name, "--limit", "50"));
            assertThat(again.exit()).isEqualTo(2);
            assertThat(again.err()).contains("pool " + ops.name + " exists; change it with: sluice slots apply");

            Cli.Result table = Cli.run(new SlotsCommand(), ops.args("describe"));
            assertThat(table.exit()).as(table.toString()).isZero();
            System.out.print(table.out());
            assertThat(table.out()).contains("pool     " + ops.name, "limit    50 declared, 50 live", "CLASS", "live", "backfill");
            JsonNode json = new ObjectMapper().readTree(Cli.run(new SlotsCommand(), ops.args("describe", ops.name, "--json")).out());
            assertThat(json.get("limit").asInt()).isEqualTo(50);
            assertThat(json.get("classes").get(1).get("spec").asText()).isEqualTo("backfill:10:100%:50%");

            Cli.Result list = Cli.run(new SlotsCommand(), ops.args("list"));
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).containsPattern("(?m)^" + java.util.regex.Pattern.quote(ops.name)
                    + " +50 +50 +live:40:0% backfill:10:100%:50%$");

            // Created without assume-new-pool: fenced for the lease TTL (2 s), so these wait that out.
            try (var live = Gates.pool(ops.config, "live", new SimpleMeterRegistry())) {
                assertThat(live.acquireBlocking("org-1", "live", java.time.Duration.ofSeconds(10)).isGranted()).isTrue();
                assertThat(live.acquireBlocking("org-2", "backfill", java.time.Duration.ofSeconds(10)).isGranted()).isTrue();
                assertThat(live.acquireBlocking("org-3", "live", java.time.Duration.ofSeconds(10)).isGranted()).isTrue();
                Cli.Result status = Cli.run(new SlotsCommand(), ops.args("status"));
                assertThat(status.out()).contains("class    backfill: 1 in use\nclass    live: 2 in use\n");
                JsonNode st = new ObjectMapper().readTree(Cli.run(new SlotsCommand(), ops.args("status", "--json")).out());
                assertThat(st.get("classesInUse").get("live").asInt()).isEqualTo(2);
            }

            Cli.Result bad = Cli.run(new SlotsCommand(), ops.args("create", ops.name + "-x", "--limit", "5", "--class", "a:6"));
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("the classes' shares add up to 6 seats, more than the limit 5");
        }
    }

    @Test
    void applyIsIdempotentAndSaysWhatItDidPerPool() throws Exception {
        try (OpsFixture ops = new OpsFixture("http://127.0.0.1:9", PRODUCTION)) {
            String other = ops.name + "-backfill";
            Path file = Files.createTempFile("pools", ".yaml");
            String yaml = "pools:\n  - name: %s\n    limit: %d\n    classes: [\"live:4\"]\n  - name: %s\n    limit: 2\n";
            Files.writeString(file, yaml.formatted(ops.name, 5, other));

            Cli.Result first = Cli.run(new SlotsCommand(), ops.args("apply", "-f", file.toString()));
            assertThat(first.exit()).as(first.toString()).isZero();
            assertThat(first.out()).isEqualTo("pool " + ops.name + " created\npool " + other + " created\n");
            Map<String, String> before = keysOf(ops.name);
            Cli.Result second = Cli.run(new SlotsCommand(), ops.args("apply", "-f", file.toString()));
            assertThat(second.out()).isEqualTo("pool " + ops.name + " unchanged\npool " + other + " unchanged\n");
            assertThat(keysOf(ops.name)).as("an unchanged apply writes nothing").isEqualTo(before);

            Files.writeString(file, yaml.formatted(ops.name, 8, other));
            Cli.Result third = Cli.run(new SlotsCommand(), ops.args("apply", "-f", file.toString()));
            assertThat(third.out()).isEqualTo("pool " + ops.name + " configured\npool " + other + " unchanged\n");
            JsonNode json = new ObjectMapper().readTree(Cli.run(new SlotsCommand(), ops.args("describe", "--json")).out());
            assertThat(json.get("limit").asInt()).isEqualTo(8);
            assertThat(json.get("liveLimit").asInt()).isEqualTo(8);

            Files.writeString(file, "pools:\n  - name: x\n    limit: 3\n    lmit: 4\n");
            Cli.Result typo = Cli.run(new SlotsCommand(), ops.args("apply", "-f", file.toString()));
            assertThat(typo.exit()).isEqualTo(2);
            assertThat(typo.err()).contains("unknown key 'lmit' (valid: name, limit, classes)");
        }
    }
}
