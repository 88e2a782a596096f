package io.sluice.slots.internal;

import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.redis.RedisLink;
import io.sluice.redis.SharedIo;
import io.sluice.redis.RedisTarget;
import io.sluice.redis.RedisTimer;
import io.sluice.slots.Acquisition;
import io.sluice.slots.Feedback;
import io.sluice.slots.Lease;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.PoolStatus;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.SlotPoolException;
import io.sluice.slots.UndeclaredPoolException;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The {@link SlotPool} over Redis (a server, Sentinel or Cluster: {@link RedisLink}): one command
 * connection per instance (pipelined, shared by all callers) and one pub/sub connection on which other clients' releases
 * hand this client its grants ({@code sluice:{pool}:grants:<clientId>}). This class connects and
 * administers; {@link Acquirer} acquires and takes hand-offs, {@link Holdings} renews and loses
 * held leases, {@link Releases} gives slots back, {@link PoolState} carries what the fence needs,
 * {@link LinkWatch} drops a silent link. See docs/SLOTS.md and the scripts' headers.
 */
public final class RedisSlotPool implements SlotPool {
    private static final Logger log = LoggerFactory.getLogger(RedisSlotPool.class);
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(5);
    /** How often, at most, a heartbeat reads the classes' figures. */
    static final Duration CLASS_FIGURES_EVERY = Duration.ofSeconds(1);

    private final PoolContext ctx;
    private final Map<String, HeldLease> held = new ConcurrentHashMap<>();
    private final Map<String, HeldLease> retiring = new ConcurrentHashMap<>();
    private final Releases releases;
    private volatile long lastClassFigures;
    private final Holdings holdings;
    private final Acquirer acquirer;
    private final Adapter adapter;
    private final ClientResources resources;
    private final RedisTimer.Scope timer;
    private final RedisLink link;
    private final Disposable reconnects;

    private RedisSlotPool(String uri, SlotPoolConfig config, MeterRegistry registry, LongSupplier nanoTime, SharedIo io) {
        String clientId = Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("sluice-slots-timer-" + config.pool()).factory());
        timers.setRemoveOnCancelPolicy(true);
        this.ctx = new PoolContext(config, clientId, new HolderClock(nanoTime), new SlotMetrics(registry, config.pool(), held, retiring),
                timers, Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("sluice-slots-", 0).factory()));
        this.releases = new Releases(ctx, held);
        this.holdings = new Holdings(ctx, held, retiring, releases);
        this.acquirer = new Acquirer(ctx, holdings, releases);
        this.adapter = config.adaptive() == null ? null : new Adapter(ctx);

        LinkWatch watch = new LinkWatch(config.pool(), config.commandTimeout(), nanoTime);
        this.timer = RedisTimer.scope();
        // Keepalive (in RedisLink) finds a dead peer on an idle link; LinkWatch on a busy one (no RST after
        // node loss). TCP_USER_TIMEOUT would too, but Lettuce applies it only on native epoll/io_uring
        // transports, which this build does not ship (it refuses the option on NIO).
        ClientResources.Builder threads = io == null ? ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1) : io.builder();
        this.resources = threads.nettyCustomizer(watch)
                .timer(timer)   // one ticking timer thread per process, not one per client
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisLink opened = null;
        try {
            opened = RedisLink.open(uri, config.commandTimeout(), resources);
            ctx.redis = opened.async();
            ctx.checkReceivers = opened.cluster() && !opened.sharded() ? "0" : "1";
            opened.subscribe(ctx.channelPrefix + clientId, acquirer::onGrantMessage);
            ctx.scripts = new SlotScripts(ctx.redis, watch, opened.publishCommand());
            long setupMs = Math.max(config.commandTimeout().toMillis(), SETUP_TIMEOUT.toMillis());
            ctx.scripts.loadAll().get(setupMs, TimeUnit.MILLISECONDS);
            PoolState.checkEviction(ctx.redis, config.pool(), Duration.ofMillis(setupMs));
            requireDeclared(Duration.ofMillis(setupMs));
            heartbeat().get(setupMs, TimeUnit.MILLISECONDS);
        } catch (UndeclaredPoolException e) {
            this.link = opened;
            shutdownQuietly(null);
            throw e;
        } catch (Exception e) {
            this.link = opened;
            shutdownQuietly(null);
            throw new SlotPoolException("cannot open slot pool " + config.pool() + " at " + RedisTarget.redact(uri), e);
        }
        this.link = opened;
        long beat = Math.max(1, config.ticketTtl().toNanos() / 3);
        ctx.scheduler.scheduleWithFixedDelay(this::heartbeatQuietly, beat, beat, TimeUnit.NANOSECONDS);
        long wake = config.fallbackWake().toNanos();
        ctx.scheduler.scheduleWithFixedDelay(acquirer::recheckAll, wake, wake, TimeUnit.NANOSECONDS);
        if (adapter != null) {
            // Twice per step, so that a step sees every client's answers of the last half step at most.
            long every = config.adaptive().step().toNanos() / 2;
            ctx.scheduler.scheduleWithFixedDelay(adapter::report, every, every, TimeUnit.NANOSECONDS);
        }
        // After a reconnect, say we are alive at once, and renew what we hold at once rather than at the
        // next period: Redis may have lost or rolled back our leases; the renewal re-admits them, and
        // fences the pool, before newcomers could take their slots.
        this.reconnects = resources.eventBus().get().filter(e -> e instanceof ConnectionActivatedEvent)
                .subscribe(e -> ctx.scheduler.execute(() -> {
                    acquirer.reconnected();
                    heartbeatQuietly();
                    holdings.renewAll();
                }));
    }

    /**
     * Learns the pool's declaration before any call that writes, read only (describe.lua): a pool that was
     * never declared is refused here, with nothing written to Redis, unless this client was told the pool
     * is new ({@code slots.assume-new-pool}: tests, {@code sluice local}), which declares it with its limit.
     * A pool from before declarations (state, or v1's limit key) counts as declared with its live limit.
     */
    private void requireDeclared(Duration timeout) throws Exception {
        String legacyKey = ctx.keys[0].substring(0, ctx.keys[0].length() - "leases".length()) + "limit";
        List<Object> d = ctx.run(Script.DESCRIBE, new String[] {ctx.keys[0], legacyKey})
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        String declaration = (String) d.get(0);
        long limit = Math.max((Long) d.get(2), (Long) d.get(3));
        if (!declaration.isEmpty()) {
            ctx.state.declaration(declaration);
        } else if (!((String) d.get(1)).isEmpty() || limit > 0) {
            ctx.state.declaration(new PoolDeclaration(ctx.config.pool(), (int) (limit > 0 ? limit : ctx.config.limit()),
                    List.of()).encode());
        } else if (!ctx.config.assumeNewPool()) {
            String near = null;
            try {
                near = PoolDirectory.nearest(ctx.config.pool(), PoolDirectory.names(ctx.redis, timeout));
            } catch (Exception e) {
                log.debug("slot pool {}: cannot list pools for a suggestion: {}", ctx.config.pool(), e.toString());
            }
            throw new UndeclaredPoolException(ctx.config.pool(), near);
        }
    }

    /** The declaration this client knows ('' only for a new pool before its first answer). */
    public String declaration() {
        return ctx.state.declaration();
    }

    /** Connects to {@code uri}: a server, Sentinel or Cluster, as {@link RedisTarget} parses it. */
    public static RedisSlotPool connect(String uri, SlotPoolConfig config, MeterRegistry registry) {
        return connect(uri, config, registry, System::nanoTime);
    }

    /** As {@link #connect(String, SlotPoolConfig, MeterRegistry)} with the holder-side clock supplied. */
    public static RedisSlotPool connect(String uri, SlotPoolConfig config, MeterRegistry registry, LongSupplier nanoTime) {
        Objects.requireNonNull(config, "config");
        return new RedisSlotPool(uri, config, Objects.requireNonNull(registry, "registry"), nanoTime, null);
    }

    /**
     * As {@link #connect(String, SlotPoolConfig, MeterRegistry)}, on I/O threads shared with other
     * clients of this process (own connections, shared event loops): many pods simulated in one process.
     */
    public static RedisSlotPool connect(String uri, SlotPoolConfig config, MeterRegistry registry, SharedIo io) {
        Objects.requireNonNull(config, "config");
        return new RedisSlotPool(uri, config, Objects.requireNonNull(registry, "registry"), System::nanoTime,
                Objects.requireNonNull(io, "io"));
    }

    public String clientId() {
        return ctx.clientId;
    }

    public SlotPoolConfig config() {
        return ctx.config;
    }

    @Override
    public CompletableFuture<Acquisition> acquire(String owner, Duration maxWait) {
        return acquirer.acquire(owner, maxWait);
    }

    @Override
    public CompletableFuture<Void> release(Lease lease) {
        return holdings.release(lease);
    }

    @Override
    public CompletableFuture<Void> releaseAfter(Lease lease, Duration after) {
        return holdings.releaseAfter(lease, Objects.requireNonNull(after, "after"));
    }

    @Override
    public void observe(Feedback feedback) {
        if (adapter != null) {
            adapter.observe(feedback);
        }
    }

    @Override
    public int held() {
        return holdings.size();
    }

    // ---- administration ---------------------------------------------------------------------

    @Override
    public PoolStatus status() {
        List<Object> r = await("status", ctx.run(Script.STATUS,
                new String[] {ctx.keys[0], ctx.keys[1], ctx.adaptKey, ctx.markKeys[3]}, ctx.caller()));
        long limit = (Long) r.get(0);
        long nowMs = (Long) r.get(1);
        long waiting = (Long) r.get(2);
        ctx.state.learned((String) r.get(4), (Long) r.get(5), (Long) r.get(6), limit, nowMs, r.get(7));
        ctx.state.declaration(r.get(10));
        List<?> flat = (List<?>) r.get(3);
        List<PoolStatus.LeaseInfo> leases = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String id = (String) flat.get(i);
            long expiry = (long) Double.parseDouble((String) flat.get(i + 1));
            try {
                LeaseIds.Parsed p = LeaseIds.parse(id);
                leases.add(new PoolStatus.LeaseInfo(id, p.owner(), p.clientId(), Duration.ofMillis(Math.max(0, nowMs - p.grantedAtMs())),
                        Duration.ofMillis(expiry - nowMs)));
            } catch (IllegalArgumentException e) {
                leases.add(new PoolStatus.LeaseInfo(id, "?", "?", Duration.ZERO, Duration.ofMillis(expiry - nowMs)));
            }
        }
        ctx.figures(limit, leases.size());
        return new PoolStatus(ctx.config.pool(), (int) limit, leases.size(), (int) waiting, leases, ctx.state.epoch(),
                Duration.ofMillis(ctx.state.knownMaxTtl()), Duration.ofMillis(Math.max(0, ctx.state.fenceUntilMs() - nowMs)),
                Adapter.lastStep((List<?>) r.get(8), nowMs), ((Long) r.get(9)).intValue());
    }

    @Override
    public int setLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(SlotPoolConfig.LIMIT + " must be >= 1, was " + limit);
        }
        List<Object> r = await("set-limit", ctx.run(Script.SET_LIMIT, ctx.keys, Integer.toString(limit), ctx.channelPrefix,
                ctx.checkReceivers, ctx.caller()));
        ctx.figures(limit, (Long) r.get(1));
        ctx.state.generation(r.get(3));
        return (int) (long) (Long) r.get(0);
    }

    @Override
    public int reap() {
        List<Object> r = await("reap", ctx.run(Script.REAP, ctx.markKeys, ctx.caller(), ctx.channelPrefix, ctx.checkReceivers));
        ctx.state.generation(r.get(2));
        return ((Long) r.get(0)).intValue();
    }

    private <T> T await(String what, CompletableFuture<T> future) {
        try {
            return future.get(ctx.config.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlotPoolException("slot pool " + ctx.config.pool() + ": " + what + " interrupted", e);
        } catch (Exception e) {
            throw new SlotPoolException("slot pool " + ctx.config.pool() + ": " + what + " failed",
                    SlotScripts.unwrap(e.getCause() == null ? e : e.getCause()));
        }
    }

    private CompletableFuture<Void> heartbeat() {
        long sent = ctx.clock.now();
        // The classes' figures cost a scan of the leases and the queue: at most once a second.
        boolean classes = lastClassFigures == 0 || sent - lastClassFigures >= CLASS_FIGURES_EVERY.toNanos();
        if (classes) {
            lastClassFigures = sent;
        }
        return ctx.run(Script.HEARTBEAT, ctx.keys, ctx.clientId, Long.toString(ctx.config.ticketTtl().toMillis()), ctx.caller(),
                ctx.channelPrefix, ctx.checkReceivers, classes ? "1" : "0").thenAccept(r -> {
                    ctx.clock.observe(sent, (Long) r.get(3));
                    ctx.state.learned((String) r.get(4), (Long) r.get(5), (Long) r.get(6), (Long) r.get(0), (Long) r.get(3), r.get(7));
                    ctx.figures((Long) r.get(0), (Long) r.get(1));
                    ctx.state.declaration(r.get(9));
                    if (r.size() > 10 && r.get(10) instanceof List<?> figures && !figures.isEmpty()) {
                        ctx.metrics.classes.figures(figures);
                    }
                    if ((Long) r.get(8) == 1) {
                        // Our entry was gone: purged as dead (a long pause), or lost. So may our tickets be.
                        acquirer.reconnected();
                    }
                    releases.retryGiveBacks();
                });
    }

    private void heartbeatQuietly() {
        if (ctx.closed.get()) {
            return;
        }
        heartbeat().exceptionally(e -> {
            log.debug("slot pool {}: heartbeat failed: {}", ctx.config.pool(), SlotScripts.unwrap(e).toString());
            return null;
        });
    }

    // ---- closing ----------------------------------------------------------------------------

    @Override
    public void close() {
        if (!ctx.closed.compareAndSet(false, true)) {
            return;
        }
        acquirer.failAll(ctx.closedException()); // each withdraws its ticket
        List<CompletableFuture<Void>> released = holdings.closeAll();
        try {
            // Same connection, so this answers after every withdrawal and release sent above.
            ctx.redis.zrem(ctx.keys[2], ctx.clientId).toCompletableFuture().exceptionally(e -> 0L)
                    .get(ctx.config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture.allOf(released.toArray(CompletableFuture[]::new))
                    .get(ctx.config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("slot pool {}: closing without confirmation: {}", ctx.config.pool(), e.toString());
        }
        shutdownQuietly(reconnects);
    }

    /**
     * Drops the connections without releasing leases or withdrawing tickets, as a crashed process
     * would: for tests and failure drills. Held leases lapse within {@code slots.lease-ttl}.
     */
    public void closeAbruptly() {
        ctx.closed.set(true);
        shutdownQuietly(reconnects);
    }

    private void shutdownQuietly(Disposable subscription) {
        ctx.scheduler.shutdownNow();
        if (subscription != null) {
            subscription.dispose();
        }
        if (link != null) {
            link.close();
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        timer.stop();   // Lettuce stops only timers it made itself
        ctx.completions.shutdown();
    }
}
