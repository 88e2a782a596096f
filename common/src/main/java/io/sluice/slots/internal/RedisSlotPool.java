package io.sluice.slots.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.slots.Acquisition;
import io.sluice.slots.Lease;
import io.sluice.slots.LeaseLoss;
import io.sluice.slots.PoolStatus;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolConfig;
import io.sluice.slots.SlotPoolException;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The {@link SlotPool} over Redis: one Lettuce client per instance with one command connection
 * (pipelined, shared by all callers) and one pub/sub connection on which other clients' releases
 * hand this client its grants ({@code sluice:{pool}:grants:<clientId>}). See {@code docs/} and
 * the scripts' headers for the key layout.
 */
public final class RedisSlotPool implements SlotPool {
    private static final Logger log = LoggerFactory.getLogger(RedisSlotPool.class);
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_BATCH = 128;
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final SlotPoolConfig config;
    private final String clientId;
    private final String[] keys;
    private final String[] renewKeys;
    private final String channelPrefix;
    private final String ttlMs;
    /** What this client knows of the pool's identity; every script call carries it (fencing). */
    private final PoolState state;
    private final HolderClock clock;
    private final SlotMetrics metrics;
    private final ClientResources resources;
    private final LinkWatch watch;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final SlotScripts scripts;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService completions = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("sluice-slots-", 0).factory());
    private final Map<Long, Waiter> waiters = new ConcurrentHashMap<>();
    private final Map<String, HeldLease> held = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Disposable reconnects;
    private final Batcher<Arrival> arrivals = new Batcher<>(MAX_BATCH, this::sendArrivals);
    private final Batcher<Release> releases = new Batcher<>(MAX_BATCH, this::sendReleases);

    /** A first acquire attempt waiting for its batch; {@code ticket} is empty for try-once. */
    private record Arrival(String base, String ticket, ArrivalHandler handler) {}

    @FunctionalInterface
    private interface ArrivalHandler {
        /** {@code result}: lease id, 0L queued, k > 0 refused; or {@code error}. */
        void handle(Object result, long sentNanos, long nowMs, long live, long limit, Throwable error);
    }

    private record Release(String leaseId, CompletableFuture<Void> done) {}

    private RedisSlotPool(RedisURI uri, SlotPoolConfig config, MeterRegistry registry, LongSupplier nanoTime) {
        this.config = config;
        this.clientId = Long.toString(UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE, 36);
        String prefix = "sluice:{" + config.pool() + "}:";
        this.keys = new String[] {prefix + "leases", prefix + "queue", prefix + "clients"};
        this.renewKeys = new String[] {keys[0]};
        this.channelPrefix = prefix + "grants:";
        this.ttlMs = Long.toString(config.leaseTtl().toMillis());
        this.state = new PoolState(config);
        this.clock = new HolderClock(nanoTime);
        this.metrics = new SlotMetrics(registry, config.pool(), held);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("sluice-slots-timer-" + config.pool()).factory());
        timers.setRemoveOnCancelPolicy(true);
        this.scheduler = timers;

        this.watch = new LinkWatch(config.pool(), config.commandTimeout(), nanoTime);
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).nettyCustomizer(watch)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        // Connection set-up (handshake, subscribe, script load) may take longer than one command
        // on a busy host; commands themselves time out after slots.command-timeout.
        Duration setup = config.commandTimeout().compareTo(SETUP_TIMEOUT) > 0 ? config.commandTimeout() : SETUP_TIMEOUT;
        uri.setTimeout(setup);
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail fast while disconnected: callers fail closed rather than queue behind an outage.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(config.commandTimeout()))
                // Keepalive finds a dead peer on an idle link; LinkWatch on a busy one (no RST after node loss).
                // TCP_USER_TIMEOUT would too, but Lettuce applies it only on native epoll/io_uring transports,
                // which this build does not ship (it refuses the option on NIO).
                .socketOptions(SocketOptions.builder().connectTimeout(setup)
                        .keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(Duration.ofSeconds(5))
                                .interval(Duration.ofSeconds(1)).count(3).build())
                        .build())
                .build());
        try {
            this.connection = client.connect(StringCodec.UTF8);
            this.redis = connection.async();
            this.pubsub = client.connectPubSub(StringCodec.UTF8);
            pubsub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    onGrantMessage(message);
                }
            });
            pubsub.sync().subscribe(channelPrefix + clientId);
            this.scripts = new SlotScripts(redis, watch);
            scripts.loadAll().get(setup.toMillis(), TimeUnit.MILLISECONDS);
            PoolState.checkEviction(redis, config.pool(), setup);
            heartbeat().get(setup.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            shutdownQuietly();
            throw new SlotPoolException("cannot open slot pool " + config.pool() + " at " + uri.toString(), e);
        }
        long beat = Math.max(1, config.ticketTtl().toNanos() / 3);
        scheduler.scheduleWithFixedDelay(this::heartbeatQuietly, beat, beat, TimeUnit.NANOSECONDS);
        // After a reconnect, say we are alive at once, and renew what we hold at once rather than at the
        // next period: Redis may have restarted empty, and until our leases are re-admitted the pool
        // could grant their slots to newcomers while our queries still run.
        this.reconnects = resources.eventBus().get().filter(e -> e instanceof ConnectionActivatedEvent)
                .subscribe(e -> scheduler.execute(() -> {
                    heartbeatQuietly();
                    held.values().forEach(this::renew);
                }));
    }

    private String limitArg() {
        return state.caller();
    }

    private CompletableFuture<List<Object>> runScript(SlotScripts.Script script, String[] keys, String... args) {
        return scripts.run(script, keys, args);
    }

    /** Connects to {@code uri} ({@code redis://}, {@code rediss://}, with credentials, as Lettuce parses it). */
    public static RedisSlotPool connect(String uri, SlotPoolConfig config, MeterRegistry registry) {
        return connect(RedisURI.create(uri), config, registry, System::nanoTime);
    }

    /** As {@link #connect(String, SlotPoolConfig, MeterRegistry)} with the holder-side clock supplied. */
    public static RedisSlotPool connect(RedisURI uri, SlotPoolConfig config, MeterRegistry registry, LongSupplier nanoTime) {
        Objects.requireNonNull(config, "config");
        return new RedisSlotPool(uri, config, Objects.requireNonNull(registry, "registry"), nanoTime);
    }

    public String clientId() {
        return clientId;
    }

    public SlotPoolConfig config() {
        return config;
    }

    // ---- acquire ----------------------------------------------------------------------------

    @Override
    public CompletableFuture<Acquisition> acquire(String owner, Duration maxWait) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(maxWait, "maxWait");
        if (owner.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("owner '" + owner + "' must not contain a line break");
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
        }
        long start = clock.now();
        if (closed.get()) {
            metrics.error(0);
            return CompletableFuture.completedFuture(new Acquisition.Failed(closedException()));
        }
        long n = sequence.incrementAndGet();
        String base = LeaseIds.id(owner, clientId, n, clock.redisNowMs());
        if (maxWait.isZero()) {
            return tryOnce(owner, base, start);
        }
        Waiter w = new Waiter(n, owner, base, LeaseIds.ticket(base, config.leaseTtl().toMillis()), start);
        waiters.put(n, w);
        w.future.whenComplete((outcome, error) -> onWaiterDone(w, outcome));
        w.timeout = scheduler.schedule(() -> w.future.complete(
                new Acquisition.Refused(Acquisition.Refused.Reason.WAIT_TIMED_OUT, config.fallbackWake(), w.position)),
                maxWait.toNanos(), TimeUnit.NANOSECONDS);
        send(w);
        return w.future;
    }

    private CompletableFuture<Acquisition> tryOnce(String owner, String base, long start) {
        CompletableFuture<Acquisition> result = new CompletableFuture<>();
        arrivals.submit(new Arrival(base, "", (r, sent, nowMs, live, limit, error) -> {
            Acquisition outcome;
            if (error != null) {
                outcome = new Acquisition.Failed(error);
                metrics.error(clock.now() - start);
                giveBack(base, null); // the script may have run and granted it: give back whatever it got
            } else if (r instanceof String leaseId) {
                long expiryMs = nowMs + config.leaseTtl().toMillis();
                outcome = new Acquisition.Granted(hold(owner, leaseId, expiryMs, clock.deadline(sent, nowMs, expiryMs)));
                metrics.granted(clock.now() - start);
            } else {
                outcome = new Acquisition.Refused(Acquisition.Refused.Reason.FULL, config.fallbackWake(), (Long) r - 1);
                metrics.refused(clock.now() - start);
            }
            if (!result.complete(outcome) && outcome instanceof Acquisition.Granted g) {
                abandon((HeldLease) g.lease()); // the caller cancelled meanwhile
            }
        }));
        return result;
    }

    /** One script call for every first arrival batched meanwhile; each learns its own outcome. */
    private CompletableFuture<?> sendArrivals(List<Arrival> batch) {
        String[] args = new String[4 + 2 * batch.size()];
        args[0] = limitArg();
        args[1] = ttlMs;
        args[2] = channelPrefix;
        args[3] = "1";
        for (int i = 0; i < batch.size(); i++) {
            args[4 + 2 * i] = batch.get(i).base();
            args[5 + 2 * i] = batch.get(i).ticket();
        }
        long sent = clock.now();
        return runScript(Script.ACQUIRE_MANY, keys, args).whenComplete((reply, error) -> {
            if (error != null) {
                Throwable cause = SlotScripts.unwrap(error);
                batch.forEach(a -> a.handler().handle(null, sent, 0, 0, 0, cause));
                return;
            }
            long nowMs = (Long) reply.get(0);
            long live = (Long) reply.get(1);
            long limit = (Long) reply.get(2);
            clock.observe(sent, nowMs);
            figures(limit, live);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).handler().handle(reply.get(3 + i), sent, nowMs, live, limit, null);
            }
        });
    }

    /** Runs the acquire script for a waiter: first arrival, or its fallback re-check. */
    private void send(Waiter w) {
        if (w.queuedNanos == 0) {
            arrivals.submit(new Arrival(w.base, w.ticket, (r, sent, nowMs, live, limit, error) -> {
                if (error != null) {
                    w.future.complete(new Acquisition.Failed(error));
                } else if (r instanceof String leaseId) {
                    long expiryMs = nowMs + config.leaseTtl().toMillis();
                    grant(w, leaseId, expiryMs, clock.deadline(sent, nowMs, expiryMs));
                } else {
                    queued(w, sent, 0);
                }
            }));
            return;
        }
        recheck(w);
    }

    /** The fallback timer's re-check of a queued ticket: keeps its place, or finds a missed grant. */
    private void recheck(Waiter w) {
        long sent = clock.now();
        runScript(Script.ACQUIRE, keys, acquireArgs(w.base, w.ticket)).whenComplete((reply, error) -> {
            if (error != null) {
                w.future.complete(new Acquisition.Failed(SlotScripts.unwrap(error)));
                return;
            }
            long code = (Long) reply.get(0);
            if (code == 1) {
                figures((Long) reply.get(5), (Long) reply.get(4));
                grant(w, (String) reply.get(1), (Long) reply.get(2), clock.deadline(sent, (Long) reply.get(3), (Long) reply.get(2)));
                return;
            }
            clock.observe(sent, (Long) reply.get(2));
            figures((Long) reply.get(4), (Long) reply.get(3));
            queued(w, sent, (Long) reply.get(1));
        });
    }

    private void queued(Waiter w, long sent, long position) {
        if (w.queuedNanos == 0) {
            w.queuedNanos = sent;
        }
        w.position = position;
        if (!w.future.isDone() && !closed.get()) {
            w.fallback = scheduler.schedule(() -> {
                if (!w.future.isDone()) {
                    recheck(w);
                }
            }, config.fallbackWake().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private String[] acquireArgs(String leaseId, String ticket) {
        return new String[] {limitArg(), leaseId, ticket, channelPrefix, "1", clientId,
                Long.toString(config.ticketTtl().toMillis())};
    }

    /** A grant published by another client's release (or set-limit, reap, heartbeat): {@code expiryMs|leaseId}. */
    private void onGrantMessage(String message) {
        int from = 0;
        while (from < message.length()) {
            int end = message.indexOf('\n', from);
            if (end < 0) {
                end = message.length();
            }
            onGrant(message.substring(from, end));
            from = end + 1;
        }
    }

    private void onGrant(String message) {
        int bar = message.indexOf('|');
        long expiryMs;
        String leaseId;
        LeaseIds.Parsed parsed;
        try {
            expiryMs = Long.parseLong(message.substring(0, bar));
            leaseId = message.substring(bar + 1);
            parsed = LeaseIds.parse(leaseId);
        } catch (RuntimeException e) {
            log.warn("slot pool {}: ignoring a malformed grant message '{}'", config.pool(), message);
            return;
        }
        Waiter w = waiters.get(parsed.n());
        if (w != null && w.owner.equals(parsed.owner())) {
            grant(w, leaseId, expiryMs, clock.deadlineOfHandOff(expiryMs));
        } else if (!held.containsKey(leaseId)) {
            // The waiter gave up or was cancelled before its ticket came up: give the slot back.
            releaseId(leaseId);
        }
    }

    private void grant(Waiter w, String leaseId, long expiryMs, long deadlineNanos) {
        if (held.containsKey(leaseId)) {
            return; // delivered twice (publish and fallback); the first one counted
        }
        if (clock.passed(deadlineNanos)) {
            // Too late to be sure of it (a very stale hand-off): give it back and queue again.
            // Both go on the command connection in this order, so the re-check finds it gone.
            releaseDirect(leaseId);
            if (!w.future.isDone()) {
                if (w.queuedNanos == 0) {
                    w.queuedNanos = clock.now();
                }
                recheck(w);
            }
            return;
        }
        HeldLease lease = hold(w.owner, leaseId, expiryMs, deadlineNanos);
        if (lease != null && !w.future.complete(new Acquisition.Granted(lease))) {
            abandon(lease);
        }
    }

    private void onWaiterDone(Waiter w, Acquisition outcome) {
        waiters.remove(w.n);
        w.cancelTimers();
        long elapsed = clock.now() - w.startNanos;
        if (outcome instanceof Acquisition.Granted) {
            metrics.granted(elapsed);
            if (w.queuedNanos != 0) {
                metrics.waited(clock.now() - w.queuedNanos);
            }
            return;
        }
        if (outcome instanceof Acquisition.Failed) {
            metrics.error(elapsed);
            // A reply that timed out may still have been executed: give back whatever this request
            // got, by its lease id, and withdraw its ticket (again once Redis answers).
            giveBack(w.base, w.ticket);
            return;
        } else if (outcome instanceof Acquisition.Refused) {
            metrics.refused(elapsed);
        }
        // Withdraw the ticket; should it have been served meanwhile, the grant message finds no
        // waiter and gives the slot back.
        redis.zrem(keys[1], w.ticket);
    }

    // ---- holding ----------------------------------------------------------------------------

    private HeldLease hold(String owner, String leaseId, long expiryMs, long deadlineNanos) {
        HeldLease lease = new HeldLease(leaseId, owner, config.pool(), clock.now(), expiryMs, deadlineNanos);
        if (held.putIfAbsent(leaseId, lease) != null) {
            return null;
        }
        synchronized (lease) {
            // Short holds (the common case) end before their first renewal: one timer per grant.
            // The watchdog is armed while a renewal is outstanding, or now if the deadline comes first.
            lease.renewal = scheduler.schedule(() -> renew(lease), config.renewEvery().toNanos(), TimeUnit.NANOSECONDS);
            if (clock.nanosUntil(deadlineNanos) <= config.renewEvery().toNanos()) {
                armWatchdog(lease);
            }
        }
        return lease;
    }

    private void renew(HeldLease lease) {
        long sent;
        CompletableFuture<List<Object>> reply;
        synchronized (lease) {
            // Under the lease's lock so that a release sent concurrently is ordered after this renewal.
            if (!lease.active.get()) {
                return;
            }
            sent = clock.now();
            reply = runScript(Script.RENEW, renewKeys, lease.id(), ttlMs, limitArg(),
                    Long.toString(lease.expiresAt().toEpochMilli()));
            if (lease.watchdog == null || lease.watchdog.isDone()) {
                armWatchdog(lease);
            }
        }
        reply.whenComplete((r, error) -> {
            if (!lease.active.get()) {
                return;
            }
            if (error != null) {
                long left = clock.nanosUntil(lease.deadlineNanos());
                long retry = Math.max(MIN_RETRY_NANOS, Math.min(config.renewEvery().toNanos(), left / 4));
                log.debug("slot pool {}: renewing {} failed, retrying in {} ms: {}", config.pool(), lease.id(),
                        retry / 1_000_000, SlotScripts.unwrap(error).toString());
                scheduleRenewal(lease, retry);
                return;
            }
            long code = (Long) r.get(0);
            if (code == 0) {
                lose(lease, LeaseLoss.Reason.REVOKED, "the lease is gone from Redis and the pool had no room to re-admit it");
                return;
            }
            long expiryMs = (Long) r.get(1);
            lease.extended(expiryMs, clock.deadline(sent, (Long) r.get(2), expiryMs));
            synchronized (lease) {
                if (lease.watchdog != null) {
                    lease.watchdog.cancel(false);
                    lease.watchdog = null;
                }
            }
            if (code == 2) {
                log.info("slot pool {}: lease {} had vanished from Redis and was re-admitted", config.pool(), lease.id());
            }
            scheduleRenewal(lease, config.renewEvery().toNanos());
        });
    }

    private void scheduleRenewal(HeldLease lease, long delayNanos) {
        synchronized (lease) {
            if (lease.active.get() && !scheduler.isShutdown()) {
                lease.renewal = scheduler.schedule(() -> renew(lease), delayNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Fires at the holder-side deadline: no renewal got through in time, so stop trusting the lease. */
    private void watch(HeldLease lease) {
        if (!lease.active.get()) {
            return;
        }
        if (clock.passed(lease.deadlineNanos())) {
            lose(lease, LeaseLoss.Reason.DEADLINE_PASSED, "no renewal succeeded before the holder-side deadline");
            return;
        }
        synchronized (lease) {
            armWatchdog(lease);
        }
    }

    /** Caller holds the lease's lock. */
    private void armWatchdog(HeldLease lease) {
        if (lease.active.get() && !scheduler.isShutdown()) {
            lease.watchdog = scheduler.schedule(() -> watch(lease), clock.nanosUntil(lease.deadlineNanos()),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void lose(HeldLease lease, LeaseLoss.Reason reason, String detail) {
        boolean ended;
        synchronized (lease) {
            ended = lease.end();
        }
        if (!ended) {
            return;
        }
        held.remove(lease.id());
        if (reason != LeaseLoss.Reason.CLOSED) {
            metrics.lost();
            log.warn("slot pool {}: lost lease {} ({}): {}", config.pool(), lease.id(), reason, detail);
        }
        LeaseLoss loss = new LeaseLoss(reason, lease.id(), Duration.ofNanos(clock.now() - lease.grantedNanos()), detail);
        completions.execute(() -> lease.lostFuture().complete(loss));
        if (reason == LeaseLoss.Reason.DEADLINE_PASSED) {
            releaseId(lease.id()); // if Redis still has it, free the slot now rather than at expiry
        }
    }

    /** Gives back a lease nobody will use (the waiter or caller went away first). */
    private void abandon(HeldLease lease) {
        synchronized (lease) {
            lease.end();
            held.remove(lease.id());
            releaseId(lease.id());
        }
    }

    @Override
    public CompletableFuture<Void> release(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        HeldLease mine = held.remove(lease.id());
        if (mine == null) {
            return releaseId(lease.id());
        }
        synchronized (mine) {
            mine.end();
            return releaseId(mine.id());
        }
    }

    private CompletableFuture<Void> releaseId(String leaseId) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        releases.submit(new Release(leaseId, done));
        return done;
    }

    /** One script call for every release batched meanwhile. */
    private CompletableFuture<?> sendReleases(List<Release> batch) {
        String[] args = new String[3 + batch.size()];
        args[0] = limitArg();
        args[1] = channelPrefix;
        args[2] = "1";
        for (int i = 0; i < batch.size(); i++) {
            args[3 + i] = batch.get(i).leaseId();
        }
        return runScript(Script.RELEASE_MANY, keys, args).whenComplete((reply, error) -> {
            for (Release r : batch) {
                if (error == null) {
                    r.done().complete(null);
                } else {
                    r.done().completeExceptionally(new SlotPoolException("slot pool " + config.pool() + ": releasing "
                            + r.leaseId() + " failed; it expires on its own within " + config.leaseTtl(),
                            SlotScripts.unwrap(error)));
                }
            }
        });
    }

    /** An unbatched release, for when it must reach Redis before the command sent next. */
    private CompletableFuture<Void> releaseDirect(String leaseId) {
        return runScript(Script.RELEASE, keys, leaseId, limitArg(), channelPrefix, "1")
                .handle((reply, error) -> {
                    if (error != null) {
                        throw new SlotPoolException("slot pool " + config.pool() + ": releasing " + leaseId
                                + " failed; it expires on its own within " + config.leaseTtl(), SlotScripts.unwrap(error));
                    }
                    return null;
                });
    }

    @Override
    public int held() {
        return held.size();
    }

    // ---- administration ---------------------------------------------------------------------

    @Override
    public PoolStatus status() {
        List<Object> r = await("status", runScript(Script.STATUS, new String[] {keys[0], keys[1]}, limitArg()));
        long limit = (Long) r.get(0);
        long nowMs = (Long) r.get(1);
        long waiting = (Long) r.get(2);
        state.learned((String) r.get(4), (Long) r.get(5), (Long) r.get(6), limit, nowMs);
        List<?> flat = (List<?>) r.get(3);
        List<PoolStatus.LeaseInfo> leases = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String id = (String) flat.get(i);
            long expiry = (long) Double.parseDouble((String) flat.get(i + 1));
            try {
                LeaseIds.Parsed p = LeaseIds.parse(id);
                leases.add(new PoolStatus.LeaseInfo(id, p.owner(), p.clientId(), Duration.ofMillis(nowMs - p.grantedAtMs()),
                        Duration.ofMillis(expiry - nowMs)));
            } catch (IllegalArgumentException e) {
                leases.add(new PoolStatus.LeaseInfo(id, "?", "?", Duration.ZERO, Duration.ofMillis(expiry - nowMs)));
            }
        }
        figures(limit, leases.size());
        return new PoolStatus(config.pool(), (int) limit, leases.size(), (int) waiting, leases, state.epoch(),
                Duration.ofMillis(state.knownMaxTtl()), Duration.ofMillis(Math.max(0, state.fenceUntilMs() - nowMs)));
    }

    @Override
    public int setLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(SlotPoolConfig.LIMIT + " must be >= 1, was " + limit);
        }
        List<Object> r = await("set-limit", runScript(Script.SET_LIMIT, keys, Integer.toString(limit), channelPrefix, "1",
                limitArg()));
        figures(limit, (Long) r.get(1));
        return (int) (long) (Long) r.get(0);
    }

    @Override
    public int reap() {
        List<Object> r = await("reap", runScript(Script.REAP, keys, limitArg(), channelPrefix, "1"));
        return ((Long) r.get(0)).intValue();
    }

    private <T> T await(String what, CompletableFuture<T> future) {
        try {
            return future.get(config.commandTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlotPoolException("slot pool " + config.pool() + ": " + what + " interrupted", e);
        } catch (Exception e) {
            throw new SlotPoolException("slot pool " + config.pool() + ": " + what + " failed", SlotScripts.unwrap(e.getCause() == null ? e : e.getCause()));
        }
    }

    private CompletableFuture<Void> heartbeat() {
        long sent = clock.now();
        return runScript(Script.HEARTBEAT, keys, clientId, Long.toString(config.ticketTtl().toMillis()), limitArg(),
                channelPrefix, "1").thenAccept(r -> {
                    clock.observe(sent, (Long) r.get(3));
                    state.learned((String) r.get(4), (Long) r.get(5), (Long) r.get(6), (Long) r.get(0), (Long) r.get(3));
                    figures((Long) r.get(0), (Long) r.get(1));
                    retryGiveBacks();
                });
    }

    private void heartbeatQuietly() {
        if (closed.get()) {
            return;
        }
        heartbeat().exceptionally(e -> {
            log.debug("slot pool {}: heartbeat failed: {}", config.pool(), SlotScripts.unwrap(e).toString());
            return null;
        });
    }

    private void figures(long limit, long inUse) {
        state.limit(limit);
        metrics.figures(limit, inUse);
    }

    /** Requests whose outcome is unknown (a failed or timed-out reply): lease id and ticket (or null). */
    private final Map<String, String> giveBacks = new ConcurrentHashMap<>();

    /**
     * Gives back whatever request {@code leaseId} may have been granted, and withdraws its ticket.
     * Retried after every heartbeat until Redis answers (the lease expires on its own anyway).
     */
    private void giveBack(String leaseId, String ticket) {
        if (held.containsKey(leaseId) || closed.get()) {
            return;
        }
        giveBacks.put(leaseId, ticket == null ? "" : ticket);
        sendGiveBack(leaseId, ticket == null ? "" : ticket);
    }

    private void sendGiveBack(String leaseId, String ticket) {
        CompletableFuture<?> withdrawn = ticket.isEmpty() ? CompletableFuture.completedFuture(0L)
                : redis.zrem(keys[1], ticket).toCompletableFuture();
        withdrawn.thenCompose(x -> releaseId(leaseId)).whenComplete((x, error) -> {
            if (error == null) {
                giveBacks.remove(leaseId, ticket);
            }
        });
    }

    private void retryGiveBacks() {
        giveBacks.forEach(this::sendGiveBack);
    }

    // ---- closing ----------------------------------------------------------------------------

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        SlotPoolException closing = closedException();
        for (Waiter w : List.copyOf(waiters.values())) {
            w.future.complete(new Acquisition.Failed(closing)); // withdraws its ticket
        }
        List<CompletableFuture<Void>> releases = new ArrayList<>();
        for (HeldLease lease : List.copyOf(held.values())) {
            lose(lease, LeaseLoss.Reason.CLOSED, "the slot pool client was closed");
            releases.add(releaseId(lease.id()).exceptionally(e -> null));
        }
        try {
            // Same connection, so this answers after every withdrawal and release sent above.
            redis.zrem(keys[2], clientId).toCompletableFuture().exceptionally(e -> 0L)
                    .get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new))
                    .get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("slot pool {}: closing without confirmation: {}", config.pool(), e.toString());
        }
        shutdownQuietly();
    }

    /**
     * Drops the connections without releasing leases or withdrawing tickets, as a crashed process
     * would: for tests and failure drills. Held leases lapse within {@code slots.lease-ttl}.
     */
    public void closeAbruptly() {
        closed.set(true);
        shutdownQuietly();
    }

    private void shutdownQuietly() {
        scheduler.shutdownNow();
        if (reconnects != null) {
            reconnects.dispose();
        }
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("slot pool {}: client shutdown: {}", config.pool(), e.toString());
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        completions.shutdown();
    }

    private SlotPoolException closedException() {
        return new SlotPoolException("slot pool " + config.pool() + " is closed", null);
    }
}
