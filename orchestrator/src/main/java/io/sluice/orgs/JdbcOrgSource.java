package io.sluice.orgs;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sluice.config.ConfigException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.regex.Pattern;

/**
 * Org ids from a SQL query, from {@code --orgs-jdbc URL [--orgs-query SQL]} (PostgreSQL driver,
 * one HikariCP connection).
 *
 * <p>The query's first column must be the org id (a positive {@code bigint}). The default assumes
 * a table {@code organizations(id bigint primary key, status text)} where live orgs have
 * {@code status = 'active'}: {@value #DEFAULT_QUERY}. Override it for any other schema.
 *
 * <p>Rows are streamed: the PostgreSQL driver only uses a server-side cursor when autocommit is
 * off and a fetch size is set; otherwise it reads the whole result set into memory. Both are set
 * here, so a table of tens of millions of orgs costs {@value #FETCH_SIZE} rows of memory at a time.
 *
 * <p>Credentials come from the URL ({@code ?user=...&password=...}) or from the environment
 * variables {@value #USER_ENV} and {@value #PASSWORD_ENV}, which take precedence. They are never logged.
 */
public final class JdbcOrgSource implements OrgSource {
    public static final String FLAG = "--orgs-jdbc";
    public static final String QUERY_FLAG = "--orgs-query";
    public static final String DEFAULT_QUERY = "SELECT id FROM organizations WHERE status = 'active' ORDER BY id";
    public static final int FETCH_SIZE = 1_000;
    public static final String USER_ENV = "SLUICE_ORGS_JDBC_USER";
    public static final String PASSWORD_ENV = "SLUICE_ORGS_JDBC_PASSWORD";
    private static final Pattern URL_SECRET = Pattern.compile("(?i)(password=)[^&;]*");

    private final DataSource dataSource;
    private final String query;
    private final String description;
    private final AutoCloseable ownedPool;
    private Connection connection;
    private PreparedStatement statement;
    private ResultSet rows;

    /** Reads from a data source the caller owns (and closes). */
    public JdbcOrgSource(DataSource dataSource, String query, String description) {
        this(dataSource, query, description, null);
    }

    private JdbcOrgSource(DataSource dataSource, String query, String description, AutoCloseable ownedPool) {
        this.dataSource = dataSource;
        this.query = query == null || query.isBlank() ? DEFAULT_QUERY : query;
        this.description = description;
        this.ownedPool = ownedPool;
    }

    /** Opens a one-connection pool on {@code url}; nothing connects until {@link #ids()}. */
    public static JdbcOrgSource open(String url, String query, Map<String, String> env) {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException(FLAG, FLAG + ": '" + redact(url) + "' is not a PostgreSQL JDBC URL; valid: jdbc:postgresql://host:5432/db");
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setDriverClassName("org.postgresql.Driver");
        hc.setPoolName("sluice-orgs");
        hc.setMaximumPoolSize(1);
        hc.setMinimumIdle(0);
        hc.setAutoCommit(false);
        hc.setReadOnly(true);
        hc.setInitializationFailTimeout(-1);   // connect lazily, so a bad URL fails in ids() with our message
        hc.setConnectionTimeout(30_000);
        if (env.get(USER_ENV) != null) {
            hc.setUsername(env.get(USER_ENV));
        }
        if (env.get(PASSWORD_ENV) != null) {
            hc.setPassword(env.get(PASSWORD_ENV));
        }
        HikariDataSource ds = new HikariDataSource(hc);
        return new JdbcOrgSource(ds, query, "orgs-jdbc " + redact(url), ds);
    }

    static String redact(String url) {
        return url == null ? null : URL_SECRET.matcher(url).replaceAll("$1*****");
    }

    @Override
    public PrimitiveIterator.OfLong ids() {
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            statement = connection.prepareStatement(query, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            statement.setFetchSize(FETCH_SIZE);
            rows = statement.executeQuery();
        } catch (SQLException e) {
            close();
            throw new OrgSourceException(describe() + ": query '" + query + "' failed: " + e.getMessage(), e);
        }
        return new PrimitiveIterator.OfLong() {
            private long row;
            private Boolean ready;

            @Override
            public boolean hasNext() {
                if (ready == null) {
                    try {
                        ready = rows.next();
                    } catch (SQLException e) {
                        throw new OrgSourceException(describe() + ": reading row " + (row + 1) + " failed: " + e.getMessage(), e);
                    }
                }
                return ready;
            }

            @Override
            public long nextLong() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ready = null;
                row++;
                try {
                    long id = rows.getLong(1);
                    if (rows.wasNull() || id <= 0) {
                        throw new ConfigException(QUERY_FLAG, QUERY_FLAG + ": row " + row + " of '" + query + "' holds "
                                + (rows.wasNull() ? "NULL" : id) + "; the first column must be a positive org id");
                    }
                    return id;
                } catch (SQLException e) {
                    throw new ConfigException(QUERY_FLAG, QUERY_FLAG + ": row " + row + " of '" + query
                            + "': the first column is not a whole number (" + e.getMessage() + ")");
                }
            }
        };
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        closeQuietly(rows);
        closeQuietly(statement);
        if (connection != null) {
            try {
                connection.rollback();   // read-only; ends the cursor's transaction
            } catch (SQLException ignored) {
                // the connection is going away anyway
            }
        }
        closeQuietly(connection);
        closeQuietly(ownedPool);
        rows = null;
        statement = null;
        connection = null;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort on the way out
            }
        }
    }
}
