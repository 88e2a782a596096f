package io.sluice.slots.internal;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detects a Redis host that stopped answering without closing the connection (node loss, a moved
 * Service IP: no RST, so TCP would retransmit for ~15 minutes and Lettuce, which does not
 * reconnect on timeouts, would wait as long). When a command times out and nothing at all came
 * back on the link for a whole command timeout, the link is dead: its channels are closed, and
 * Lettuce's watchdog reconnects (to whatever the address now resolves to). Commands fail while
 * it does: the pool fails closed. TCP keepalive (idle connections) is configured as well.
 */
final class LinkWatch implements NettyCustomizer {
    private static final Logger log = LoggerFactory.getLogger(LinkWatch.class);

    private final String pool;
    private final long silenceNanos;
    private final LongSupplier nanoTime;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile long lastReplyNanos;

    LinkWatch(String pool, Duration commandTimeout, LongSupplier nanoTime) {
        this.pool = pool;
        this.silenceNanos = commandTimeout.toNanos();
        this.nanoTime = nanoTime;
        this.lastReplyNanos = nanoTime.getAsLong();
    }

    @Override
    public void afterChannelInitialized(Channel channel) {
        channels.add(channel);
        channel.closeFuture().addListener(f -> channels.remove(channel));
    }

    /** Any reply: the link is alive. */
    void replied() {
        lastReplyNanos = nanoTime.getAsLong();
    }

    /** A command failed with {@code error}; drops the link when it timed out on a silent link. */
    void failed(Throwable error) {
        if (!(error instanceof RedisCommandTimeoutException)) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (now - lastReplyNanos < silenceNanos) {
            return; // other replies came meanwhile: slow, not dead
        }
        lastReplyNanos = now; // once per silent period
        log.warn("slot pool {}: Redis sent nothing for {} ms while a command waited; dropping the connection to reconnect",
                pool, silenceNanos / 1_000_000);
        channels.forEach(Channel::close);
    }
}
