package io.sluice.redis;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * One channel subscribed on a Redis Cluster, on the connection to the primary that owns the
 * channel's slot ({@code SSUBSCRIBE} on Redis 7+, else {@code SUBSCRIBE}), and kept there: when
 * the slot's primary changes (a fail-over, a resharding) or the node drops the subscription
 * ({@code sunsubscribe} after the slot moved), it subscribes again on the new primary and leaves
 * the old one. Lettuce's own re-subscription after a fail-over does not follow the slot for
 * sharded channels (lettuce#3213), and a subscription left on a replica would make {@code SPUBLISH}
 * count no receiver. Until it is back, lost messages only slow hand-offs down: the pool's waiters
 * re-check their tickets every {@code slots.fallback-wake}.
 */
final class ClusterSubscription implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterSubscription.class);

    private final RedisClusterClient client;
    private final StatefulRedisClusterPubSubConnection<String, String> pubsub;
    private final String channel;
    private final int slot;
    private final boolean sharded;
    private final Disposable topologyEvents;
    private volatile boolean closed;
    private String subscribedOn;   // node id; guarded by this

    ClusterSubscription(RedisClusterClient client, String channel, boolean sharded, Consumer<String> onMessage) {
        this.client = client;
        this.channel = channel;
        this.slot = SlotHash.getSlot(channel);
        this.sharded = sharded;
        this.pubsub = client.connectPubSub(StringCodec.UTF8);
        pubsub.setNodeMessagePropagation(true);
        pubsub.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void message(RedisClusterNode node, String ch, String message) {
                onMessage.accept(message);
            }

            @Override
            public void smessage(RedisClusterNode node, String ch, String message) {
                onMessage.accept(message);
            }

            @Override
            public void sunsubscribed(RedisClusterNode node, String ch, long count) {
                if (!closed && channel.equals(ch)) {
                    forget(node.getNodeId());
                    resubscribeLater("the node dropped the subscription (its slot moved)");
                }
            }
        });
        subscribe();
        this.topologyEvents = client.getResources().eventBus().get()
                .filter(e -> e instanceof ClusterTopologyChangedEvent)
                .subscribe(e -> {
                    RedisClusterNode owner = client.getPartitions().getMasterBySlot(slot);
                    if (owner != null && !owner.getNodeId().equals(subscribedOn())) {
                        resubscribeLater("slot " + slot + " moved to " + owner.getUri());
                    }
                });
    }

    private synchronized void forget(String nodeId) {
        if (nodeId.equals(subscribedOn)) {
            subscribedOn = null;
        }
    }

    private synchronized String subscribedOn() {
        return subscribedOn;
    }

    /** Subscribes on the slot's current primary; throws if it cannot. */
    private synchronized void subscribe() {
        client.refreshPartitions();
        RedisClusterNode owner = client.getPartitions().getMasterBySlot(slot);
        if (owner == null) {
            throw new IllegalStateException("no primary serves slot " + slot + " of channel " + channel);
        }
        if (owner.getNodeId().equals(subscribedOn)) {
            return;
        }
        StatefulRedisPubSubConnection<String, String> node = pubsub.getConnection(owner.getNodeId());
        if (sharded) {
            node.sync().ssubscribe(channel);
        } else {
            node.sync().subscribe(channel);
        }
        String previous = subscribedOn;
        subscribedOn = owner.getNodeId();
        if (previous != null) {
            leave(previous);
        }
    }

    /** Drops the subscription on a node that no longer owns the slot, if it still answers. */
    private void leave(String nodeId) {
        try {
            StatefulRedisPubSubConnection<String, String> old = pubsub.getConnection(nodeId);
            if (sharded) {
                old.async().sunsubscribe(channel);
            } else {
                old.async().unsubscribe(channel);
            }
        } catch (RuntimeException e) {
            log.debug("channel {}: could not leave node {}: {}", channel, nodeId, e.toString());
        }
    }

    private void resubscribeLater(String why) {
        Thread.ofVirtual().name("sluice-redis-resubscribe").start(() -> {
            long backoff = 100;
            while (!closed) {
                try {
                    subscribe();
                    log.info("channel {}: subscribed on the slot's primary again ({})", channel, why);
                    return;
                } catch (RuntimeException e) {
                    log.debug("channel {}: re-subscription failed, retrying in {} ms: {}", channel, backoff, e.toString());
                }
                try {
                    Thread.sleep(backoff);   // back-off between attempts, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(Duration.ofSeconds(2).toMillis(), backoff * 2);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        topologyEvents.dispose();
        pubsub.closeAsync();
    }
}
