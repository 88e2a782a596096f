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
}
