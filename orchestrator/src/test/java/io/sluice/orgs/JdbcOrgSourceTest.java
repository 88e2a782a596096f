package io.sluice.orgs;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real PostgreSQL: 10,000 orgs, every 7th inactive, inserted in shuffled order. */
class JdbcOrgSourceTest {
    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = TestPostgres.start();
        List<Long> ids = new ArrayList<>(LongStream.rangeClosed(1, 10_000).boxed().toList());
        Collections.shuffle(ids, new java.util.Random(42));
        try (Connection c = DriverManager.getConnection(pg.url(), "sluice", "")) {
            c.createStatement().execute("CREATE TABLE organizations (id bigint PRIMARY KEY, status text NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO organizations VALUES (?, ?)")) {
                for (long id : ids) {
                    ins.setLong(1, id);
                    ins.setString(2, id % 7 == 0 ? "inactive" : "active");
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            c.commit();
        }
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void theDefaultQueryStreamsTheActiveOrgsInIdOrderWithCredentialsFromTheEnvironment() {
        try (JdbcOrgSource src = JdbcOrgSource.open(pg.url(), null, Map.of(JdbcOrgSource.USER_ENV, "sluice"))) {
            OrgList orgs = OrgList.read(src);
            assertThat(orgs.ids()).containsExactly(LongStream.rangeClosed(1, 10_000).filter(i -> i % 7 != 0).toArray());
            assertThat(orgs.dropped()).isZero();
            assertThat(src.describe()).startsWith("orgs-jdbc jdbc:postgresql://");
        }
    }

    @Test
    void rowsAreFetchedThroughACursorWithAutocommitOffAndAFetchSize() {
        List<String> calls = new CopyOnWriteArrayList<>();
        PGSimpleDataSource real = new PGSimpleDataSource();
        real.setUrl(pg.url());
        real.setUser("sluice");
        try (JdbcOrgSource src = new JdbcOrgSource(recording(real, calls), "SELECT id FROM organizations ORDER BY id", "test")) {
            OrgList orgs = OrgList.read(src);
            assertThat(orgs.size()).isEqualTo(10_000);
        }
        assertThat(calls).contains("setAutoCommit(false)", "setFetchSize(" + JdbcOrgSource.FETCH_SIZE + ")");
        assertThat(calls.indexOf("setAutoCommit(false)")).isLessThan(calls.indexOf("executeQuery"));
        assertThat(calls.indexOf("setFetchSize(" + JdbcOrgSource.FETCH_SIZE + ")")).isLessThan(calls.indexOf("executeQuery"));
        // The PostgreSQL driver uses a cursor (FETCH_SIZE rows per round trip) exactly when both are set
        // before the query runs; this asserts those calls, not the driver's memory use.
    }

    @Test
    void aQueryYieldingANonPositiveIdIsAUsageErrorAndABrokenQueryARuntimeError() {
        try (JdbcOrgSource src = JdbcOrgSource.open(pg.url() + "?user=sluice", "SELECT 0::bigint", Map.of())) {
            assertThatThrownBy(() -> OrgList.read(src)).isInstanceOf(io.sluice.config.ConfigException.class)
                    .hasMessageContaining("--orgs-query").hasMessageContaining("positive");
        }
        try (JdbcOrgSource src = JdbcOrgSource.open(pg.url() + "?user=sluice", "SELECT id FROM no_such_table", Map.of())) {
            assertThatThrownBy(() -> OrgList.read(src)).isInstanceOf(OrgSourceException.class).hasMessageContaining("no_such_table");
        }
    }

    private static DataSource recording(DataSource real, List<String> calls) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[]{DataSource.class},
                handler(real, calls));
    }

    private static InvocationHandler handler(Object target, List<String> calls) {
        return (proxy, m, args) -> {
            String name = m.getName();
            if (name.equals("setAutoCommit") || name.equals("setFetchSize")) {
                calls.add(name + "(" + args[0] + ")");
            } else if (name.equals("executeQuery")) {
                calls.add(name);
            }
            Object result;
            try {
                result = m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            Class<?> type = m.getReturnType();
            if (result != null && (type == Connection.class || type == PreparedStatement.class)) {
                return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, handler(result, calls));
            }
            return result;
        };
    }

    /**
     * Issue 11: a retried Job re-reads --orgs-jdbc; orgs activated or deactivated since the first
     * attempt must not change what the run publishes. Real PostgreSQL, Redis and Kafka.
     */
    @Test
    void aResumeAfterTheSourceChangedPublishesTheFrozenPlanOfTheFirstAttempt() throws Exception {
        try (Connection c = DriverManager.getConnection(pg.url(), "sluice", "")) {
            c.createStatement().execute("CREATE TABLE orgs_frozen (id bigint PRIMARY KEY, status text NOT NULL)");
            c.createStatement().execute("INSERT INTO orgs_frozen SELECT g, 'active' FROM generate_series(1, 500) g");
        }
        String query = "SELECT id FROM orgs_frozen WHERE status = 'active' ORDER BY id";
        String batches = io.sluice.embedded.SharedServers.uniqueName("frozen-batches");
        io.sluice.config.SluiceConfig cfg = new io.sluice.config.ConfigLoader().load(null, Map.of(), Map.of(
                "kafka.bootstrap-servers", io.sluice.embedded.SharedServers.kafka().bootstrapServers(),
                "kafka.topics.batches", batches, "kafka.topics.results", batches + "-results",
                "kafka.topics.dead-letter", batches + "-dlt", "kafka.topics.partitions", "2",
                "redis.uri", io.sluice.embedded.SharedServers.redis().uri(), "orchestrator.pacing", "0ms",
                "orchestrator.max-backlog", "0"));
        String runId = io.sluice.embedded.SharedServers.uniqueName("r-frozen");
        io.sluice.orchestrator.OrchestratorRun[] first = new io.sluice.orchestrator.OrchestratorRun[1];
        first[0] = io.sluice.orchestrator.OrchestratorRun.builder(cfg,
                        JdbcOrgSource.open(pg.url(), query, Map.of(JdbcOrgSource.USER_ENV, "sluice")))
                .runId(runId).registry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .progress(io.sluice.orchestrator.ProgressReporter.none())
                .sink(id -> new StopAfter(new io.sluice.orchestrator.KafkaBatchSink(cfg.kafka(), id), 5, () -> first[0].requestStop()))
                .build();
        assertThat(first[0].run().outcome()).isEqualTo(io.sluice.orchestrator.RunResult.Outcome.STOPPED);

        // Between the attempts: 100 orgs deactivated, 100 new ones activated.
        try (Connection c = DriverManager.getConnection(pg.url(), "sluice", "")) {
            c.createStatement().execute("UPDATE orgs_frozen SET status = 'inactive' WHERE id <= 100");
            c.createStatement().execute("INSERT INTO orgs_frozen SELECT g, 'active' FROM generate_series(501, 600) g");
        }
        io.sluice.orchestrator.RunResult resumed = io.sluice.orchestrator.OrchestratorRun.builder(cfg,
                        JdbcOrgSource.open(pg.url(), query, Map.of(JdbcOrgSource.USER_ENV, "sluice")))
                .runId(runId).registry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .progress(io.sluice.orchestrator.ProgressReporter.none()).build().run();
        assertThat(resumed.outcome()).isEqualTo(io.sluice.orchestrator.RunResult.Outcome.FINISHED);

        List<Long> published = new ArrayList<>();
        for (var r : new io.sluice.kafka.TopicReader(cfg.kafka()).readAll(batches, java.time.Duration.ofSeconds(20))) {
            published.addAll(io.sluice.messages.MessageCodec.decodeBatch(r.value()).orgIds());
        }
        Collections.sort(published);
        assertThat(published).containsExactlyElementsOf(LongStream.rangeClosed(1, 500).boxed().toList());
    }

    /** Asks the run to stop once batch {@code seq} is sent (a SIGTERM mid-run). */
    private record StopAfter(io.sluice.orchestrator.BatchSink delegate, long seq, Runnable stop)
            implements io.sluice.orchestrator.BatchSink {
        @Override
        public void open() {
            delegate.open();
        }

        @Override
        public void send(io.sluice.messages.Batch batch) {
            delegate.send(batch);
            if (batch.seq() == seq) {
                stop.run();
            }
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
