package io.sluice.slots.internal;

import io.sluice.redis.RedisLink;
import io.sluice.redis.RedisTarget;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.PoolDescription;
import io.sluice.slots.SlotPoolException;
import io.sluice.slots.UndeclaredPoolException;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Declares, describes and lists pools ({@code sluice slots create | apply | describe | list}) without
 * being a pool client: it takes no part in the queue and holds no lease. {@link #describe} and
 * {@link #list} only read; {@link #declare} writes only the declaration (and, for a pool with no state,
 * builds it as any caller would: fenced for the longest lease TTL, unless told the pool is new).
 */
public final class RedisPoolAdmin implements AutoCloseable {
    /** What {@link #declare} did. */
    public enum Outcome {
        CREATED, CONFIGURED, UNCHANGED, EXISTS;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final RedisLink link;
    private final SlotScripts scripts;
    private final Duration timeout;
    private final String uri;

    private RedisPoolAdmin(String uri, Duration timeout) {
        this.uri = uri;
        this.timeout = timeout;
        this.link = RedisLink.open(uri, timeout, null);
        try {
            this.scripts = new SlotScripts(link.async(), new LinkWatch("admin", timeout, System::nanoTime), link.publishCommand());
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    /** Connects to {@code uri} (a server, Sentinel or Cluster). Throws {@link SlotPoolException} when it cannot. */
    public static RedisPoolAdmin connect(String uri, Duration timeout) {
        try {
            return new RedisPoolAdmin(uri, timeout);
        } catch (RuntimeException e) {
            throw new SlotPoolException("cannot connect to Redis at " + RedisTarget.redact(uri), e);
        }
    }

    /**
     * Declares one pool as {@code sluice slots apply} would, for set-ups that start their own servers
     * ({@code sluice local}, chaos, benches, tests): connects, declares, disconnects.
     */
    public static Outcome apply(String uri, Duration timeout, PoolDeclaration declaration, Duration leaseTtl, boolean assumeNew) {
        try (RedisPoolAdmin admin = connect(uri, timeout)) {
            return admin.declare(declaration, false, leaseTtl, assumeNew);
        }
    }

    /** The pool's declaration, or empty when Redis holds no state of it. Reads only. */
    public Optional<PoolDescription> describe(String pool) {
        String[] keys = keys(pool);
        List<Object> d = await("describe " + pool, () -> scripts.run(Script.DESCRIBE, new String[] {keys[0], keys[3]})
                .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS));
        String declaration = (String) d.get(0);
        long limit = (Long) d.get(2);
        long legacy = (Long) d.get(3);
        Duration fencedFor = Duration.ofMillis(Math.max(0, (Long) d.get(4) - (Long) d.get(5)));
        if (!declaration.isEmpty()) {
            return Optional.of(new PoolDescription(PoolDeclaration.decode(pool, declaration), false, (int) limit, fencedFor));
        }
        if (!((String) d.get(1)).isEmpty() || legacy > 0) {
            int live = (int) Math.max(limit, legacy);
            return Optional.of(new PoolDescription(new PoolDeclaration(pool, live, List.of()), true, live, fencedFor));
        }
        return Optional.empty();
    }

    /** The names of the pools Redis holds, sorted. Reads only. */
    public List<String> list() {
        return await("list pools", () -> PoolDirectory.names(link.async(), timeout));
    }

    /** The refusal for a pool Redis holds no state of, with the nearest name it does hold. */
    public UndeclaredPoolException undeclared(String pool) {
        return new UndeclaredPoolException(pool, PoolDirectory.nearest(pool, list()));
    }

    /**
     * Declares a pool. {@code createOnly}: refuse ({@link Outcome#EXISTS}) one that exists; otherwise as
     * {@code kubectl apply}: {@link Outcome#UNCHANGED} (nothing written) when the stored declaration is the
     * same. {@code leaseTtl}: the longest lease TTL the pool's clients use (a pool with no state is fenced for
     * it unless {@code assumeNew}).
     */
    public Outcome declare(PoolDeclaration declaration, boolean createOnly, Duration leaseTtl, boolean assumeNew) {
        String pool = declaration.pool();
        String caller = declaration.limit() + ":" + leaseTtl.toMillis() + "::0:0:" + (assumeNew ? '1' : '0') + ":0";
        String checkReceivers = link.cluster() && !link.sharded() ? "0" : "1";
        List<Object> r = await("declare " + pool, () -> scripts.run(Script.DECLARE, keys(pool), caller, declaration.encode(),
                Integer.toString(declaration.limit()), createOnly ? "create" : "apply", "sluice:{" + pool + "}:grants:", checkReceivers)
                .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS));
        return Outcome.valueOf(((String) r.get(0)).toUpperCase(java.util.Locale.ROOT));
    }

    /** leases, queue, clients, v1 limit */
    private static String[] keys(String pool) {
        String prefix = "sluice:{" + pool + "}:";
        return new String[] {prefix + "leases", prefix + "queue", prefix + "clients", prefix + "limit"};
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private <T> T await(String what, Call<T> call) {
        try {
            return call.call();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlotPoolException(what + " interrupted", e);
        } catch (Exception e) {
            throw new SlotPoolException(what + " at " + RedisTarget.redact(uri) + " failed",
                    SlotScripts.unwrap(e.getCause() == null ? e : e.getCause()));
        }
    }

    @Override
    public void close() {
        link.close();
    }
}
