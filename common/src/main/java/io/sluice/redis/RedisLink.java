package io.sluice.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command connection to Redis, whichever the topology ({@link RedisTarget}): a server, a
 * Sentinel group or a Cluster. Callers see the commands every topology shares
 * ({@link RedisClusterAsyncCommands}); a Cluster connection follows MOVED/ASK redirects and refreshes
 * its topology on them, on reconnects and every 30 s. Every key a Sluice script touches carries one
 * hash tag, so each script runs on one node.
 *
 * <p>Pub/sub: on a Cluster of Redis 7 or later, {@link #subscribe} uses sharded pub/sub
 * ({@code SSUBSCRIBE}, on the primary that owns the channel's slot, followed across fail-overs by
 * {@link ClusterSubscription}) and {@link #publishCommand()} is
 * {@code SPUBLISH}, so a hand-off message stays on one shard. On an older Cluster it is classic
 * {@code PUBLISH}, which the cluster bus broadcasts to every node: correct, just costlier.
 *
 * <p>Options for every Sluice connection: reconnect by itself, fail commands at once while
 * disconnected (callers fail closed rather than queue behind an outage; on a Cluster they may wait
 * for a node connection to open, at most {@code commandTimeout}), time commands out after
 * {@code commandTimeout}, and TCP keepalive (5 s idle, 3 probes 1 s apart) so a silent peer is found.
 */
public final class RedisLink implements AutoCloseable {
    private static final int CLOSE_SECONDS = 2;
    private static final Pattern VERSION = Pattern.compile("redis_version:(\\d+)\\.");

    private final RedisTarget target;
    private final ClientResources resources;
    private final boolean ownsResources;
    /** The timer of resources this link made itself (stopped with them), else null. */
    private final RedisTimer.Scope ownTimer;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisClusterCommands<String, String> sync;
    private final int majorVersion;
    private final ClusterClientOptions clusterOptions;
    private volatile AbstractRedisClient pubsubClient;
    private volatile ClusterSubscription subscription;

    private RedisLink(RedisTarget target, ClientResources resources, RedisTimer.Scope ownTimer, Duration commandTimeout,
                      Duration setupTimeout) {
        this.target = target;
        this.resources = resources;
        this.ownsResources = ownTimer != null;
        this.ownTimer = ownTimer;
        for (RedisURI uri : target.uris()) {
            uri.setTimeout(setupTimeout);
        }
        SocketOptions socket = SocketOptions.builder().connectTimeout(setupTimeout)
                .keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(Duration.ofSeconds(5))
                        .interval(Duration.ofSeconds(1)).count(3).build())
                .build();
        try {
            // A Cluster connection opens its per-node connections lazily (and again after a fail-over), so it
            // must let a command wait for one: commands still fail after commandTimeout, never run unbounded.
            this.clusterOptions = ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                    .socketOptions(socket)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build();
            if (target.cluster()) {
                RedisClusterClient c = RedisClusterClient.create(resources, target.uris());
                c.setOptions(clusterOptions);
                this.client = c;
                StatefulRedisClusterConnection<String, String> conn = c.connect(StringCodec.UTF8);
                this.connection = conn;
                this.async = conn.async();
                this.sync = conn.sync();
            } else {
                RedisClient c = RedisClient.create(resources, target.uris().get(0));
                c.setOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                        .socketOptions(socket)
                        .build());
                this.client = c;
                StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8);
                this.connection = conn;
                this.async = conn.async();
                this.sync = conn.sync();
            }
            Matcher m = VERSION.matcher(sync.info("server"));
            this.majorVersion = m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (RuntimeException e) {
            shutdown();
            throw e;
        }
    }

    /**
     * Connects to {@code uri} (see {@link RedisTarget}). {@code resources} may be null: the link then
     * makes small ones of its own (one I/O thread) and shuts them down on {@link #close()}.
     */
    public static RedisLink open(String uri, Duration commandTimeout, ClientResources resources) {
        RedisTarget target = RedisTarget.parse(uri);
        Duration setup = commandTimeout.compareTo(Duration.ofSeconds(5)) > 0 ? commandTimeout : Duration.ofSeconds(5);
        boolean own = resources == null;
        RedisTimer.Scope timer = own ? RedisTimer.scope() : null;
        ClientResources r = own ? ClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).timer(timer)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build() : resources;
        try {
            return new RedisLink(target, r, timer, commandTimeout, setup);
        } catch (RuntimeException e) {
            if (own) {
                r.shutdown(0, 2, TimeUnit.SECONDS);
                timer.stop();
            }
            throw e;
        }
    }

    public RedisClusterAsyncCommands<String, String> async() {
        return async;
    }

    public RedisClusterCommands<String, String> sync() {
        return sync;
    }

    public boolean cluster() {
        return target.cluster();
    }

    /** Whether pub/sub is sharded: a Cluster of Redis 7 or later. */
    public boolean sharded() {
        return target.cluster() && majorVersion >= 7;
    }

    /** The command a Lua script publishes with: {@code SPUBLISH} when {@link #sharded()}, else {@code PUBLISH}. */
    public String publishCommand() {
        return sharded() ? "SPUBLISH" : "PUBLISH";
    }

    /**
     * Subscribes to {@code channel} on a connection of its own (classic or sharded, see the class
     * comment) and hands each message to {@code onMessage} on a Lettuce thread. Lettuce subscribes
     * again after a reconnect. Blocks until Redis confirms; call once per link.
     */
    public void subscribe(String channel, Consumer<String> onMessage) {
        if (target.cluster()) {
            // A client of its own, so that its topology refreshes and node connections follow the channel alone.
            RedisClusterClient c = RedisClusterClient.create(resources, target.uris());
            c.setOptions(clusterOptions);
            pubsubClient = c;
            subscription = new ClusterSubscription(c, channel, sharded(), onMessage);
        } else {
            StatefulRedisPubSubConnection<String, String> ps = ((RedisClient) client).connectPubSub(StringCodec.UTF8);
            ps.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String message) {
                    onMessage.accept(message);
                }
            });
            ps.sync().subscribe(channel);
        }
    }

    @Override
    public void close() {
        shutdown();
        if (ownsResources) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            ownTimer.stop();   // Lettuce stops only timers it made itself
        }
    }

    private void shutdown() {
        if (subscription != null) {
            subscription.close();
        }
        shutdown(pubsubClient);
        shutdown(client);
    }

    /**
     * Closes a client's connections, waiting at most {@value #CLOSE_SECONDS} s: Lettuce's blocking
     * {@code shutdown} waits without a bound for every connection to close, and a Cluster connection
     * to a node that just failed over can leave that wait hanging (seen in CI after a fail-over).
     */
    private static void shutdown(AbstractRedisClient c) {
        if (c == null) {
            return;
        }
        try {
            c.shutdownAsync(0, CLOSE_SECONDS, TimeUnit.SECONDS).get(CLOSE_SECONDS + 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Closing anyway: whatever did not close in time is dropped with the process' resources.
        }
    }
}
