package io.sluice.slots;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one pool client, validated on construction with messages that name the key.
 *
 * @param pool           {@value #POOL}: the pool's name; every key is {@code sluice:{pool}:...}
 * @param limit          {@value #LIMIT}: the initial limit, stored in Redis only when this client creates (or,
 *                       knowing no live limit, rebuilds) the pool's state
 * @param leaseTtl       {@value #LEASE_TTL}: a crashed holder's slot returns within this
 * @param renewEvery     {@value #RENEW_EVERY}: how often held leases are renewed; below lease-ttl
 * @param ticketTtl      {@value #TICKET_TTL}: a client that has not heart-beaten for this long is dropped with its queued tickets
 * @param fallbackWake   {@value #FALLBACK_WAKE}: how often a waiting client re-checks its tickets while its grant channel is quiet or after a reconnect (in case a hand-off message was lost); while hand-offs flow, every max(this, ticket-ttl / 3)
 * @param commandTimeout {@value #COMMAND_TIMEOUT}: a Redis command that takes longer fails (closed)
 * @param assumeNewPool  {@value #ASSUME_NEW_POOL}: when this client finds no pool at all (and never saw one),
 *                       create it without the data-loss fence. Only for a Redis known never to have held
 *                       this pool (tests, {@code sluice local}'s own Redis): after a real loss it would let
 *                       new grants join queries that still run. Default false.
 * @param adaptive       {@value #ADAPTIVE}: null for a fixed limit (the default), else the adaptive limit's bounds
 */
public record SlotPoolConfig(String pool, int limit, Duration leaseTtl, Duration renewEvery, Duration ticketTtl,
                             Duration fallbackWake, Duration commandTimeout, boolean assumeNewPool, Adaptive adaptive) {

    public static final String POOL = "slots.pool";
    public static final String LIMIT = "slots.limit";
    public static final String LEASE_TTL = "slots.lease-ttl";
    public static final String RENEW_EVERY = "slots.renew-every";
    public static final String TICKET_TTL = "slots.ticket-ttl";
    public static final String FALLBACK_WAKE = "slots.fallback-wake";
    public static final String COMMAND_TIMEOUT = "slots.command-timeout";
    public static final String ASSUME_NEW_POOL = "slots.assume-new-pool";
    public static final String ADAPTIVE = "slots.adaptive";
    public static final String MIN_LIMIT = "slots.min-limit";
    public static final String MAX_LIMIT = "slots.max-limit";

    /**
     * {@value #ADAPTIVE}: the downstream's answers move the live limit between {@code minLimit} and
     * {@code maxLimit}, one fleet-wide step per {@code step} (docs/SLOTS.md "Adaptive limit").
     */
    public record Adaptive(int minLimit, int maxLimit, Duration step) {
        public Adaptive {
            if (minLimit < 1 || maxLimit < minLimit) {
                throw new IllegalArgumentException(MIN_LIMIT + " (" + minLimit + ") and " + MAX_LIMIT + " (" + maxLimit
                        + ") must satisfy 1 <= " + MIN_LIMIT + " <= " + MAX_LIMIT);
            }
            if (step == null || step.toMillis() < 100) {
                throw new IllegalArgumentException("the adaptive step must be >= 100ms, was " + step);
            }
        }
    }

    private static final Duration MIN_TTL = Duration.ofMillis(100);

    public SlotPoolConfig {
        if (pool == null || pool.isBlank()) {
            throw new IllegalArgumentException(POOL + " must be a non-empty name, e.g. snuba.getsentry.get_spike_projections");
        }
        if (pool.contains("{") || pool.contains("}")) {
            throw new IllegalArgumentException(POOL + " '" + pool + "' must not contain '{' or '}': the name is the keys' Redis Cluster hash tag");
        }
        if (limit < 1) {
            throw new IllegalArgumentException(LIMIT + " must be >= 1, was " + limit);
        }
        requireAtLeast(LEASE_TTL, leaseTtl, MIN_TTL);
        requireAtLeast(RENEW_EVERY, renewEvery, Duration.ofMillis(10));
        if (renewEvery.compareTo(leaseTtl) >= 0) {
            throw new IllegalArgumentException(RENEW_EVERY + " (" + renewEvery + ") must be shorter than " + LEASE_TTL
                    + " (" + leaseTtl + "), e.g. a third of it, or leases lapse while held");
        }
        requireAtLeast(TICKET_TTL, ticketTtl, MIN_TTL);
        requireAtLeast(FALLBACK_WAKE, fallbackWake, Duration.ofMillis(10));
        requireAtLeast(COMMAND_TIMEOUT, commandTimeout, Duration.ofMillis(10));
        if (adaptive != null && (limit < adaptive.minLimit() || limit > adaptive.maxLimit())) {
            throw new IllegalArgumentException(LIMIT + " " + limit + " must lie between " + MIN_LIMIT + " " + adaptive.minLimit()
                    + " and " + MAX_LIMIT + " " + adaptive.maxLimit() + " when " + ADAPTIVE + " is on");
        }
    }

    /** Defaults for everything but the name: limit 50, lease-ttl 30s, renew-every 10s, ticket-ttl 10s, fallback-wake 1s, command-timeout 2s. */
    public static Builder builder(String pool) {
        return new Builder(pool);
    }

    public Builder toBuilder() {
        return new Builder(pool).limit(limit).leaseTtl(leaseTtl).renewEvery(renewEvery).ticketTtl(ticketTtl)
                .fallbackWake(fallbackWake).commandTimeout(commandTimeout).assumeNewPool(assumeNewPool).adaptive(adaptive);
    }

    private static void requireAtLeast(String key, Duration value, Duration min) {
        if (value == null) {
            throw new IllegalArgumentException(key + " must be set, e.g. " + min.multipliedBy(10).toMillis() + "ms");
        }
        if (value.compareTo(min) < 0) {
            throw new IllegalArgumentException(key + " must be >= " + min.toMillis() + "ms, was " + value.toMillis() + "ms");
        }
    }

    /** Fluent construction of a {@link SlotPoolConfig}; {@link #build()} validates. */
    public static final class Builder {
        private final String pool;
        private int limit = 50;
        private Duration leaseTtl = Duration.ofSeconds(30);
        private Duration renewEvery = Duration.ofSeconds(10);
        private Duration ticketTtl = Duration.ofSeconds(10);
        private Duration fallbackWake = Duration.ofSeconds(1);
        private Duration commandTimeout = Duration.ofSeconds(2);
        private boolean assumeNewPool;
        private Adaptive adaptive;

        private Builder(String pool) {
            this.pool = pool;
        }

        public Builder limit(int limit) {
            this.limit = limit;
            return this;
        }

        public Builder leaseTtl(Duration leaseTtl) {
            this.leaseTtl = Objects.requireNonNull(leaseTtl, LEASE_TTL);
            return this;
        }

        public Builder renewEvery(Duration renewEvery) {
            this.renewEvery = Objects.requireNonNull(renewEvery, RENEW_EVERY);
            return this;
        }

        public Builder ticketTtl(Duration ticketTtl) {
            this.ticketTtl = Objects.requireNonNull(ticketTtl, TICKET_TTL);
            return this;
        }

        public Builder fallbackWake(Duration fallbackWake) {
            this.fallbackWake = Objects.requireNonNull(fallbackWake, FALLBACK_WAKE);
            return this;
        }

        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = Objects.requireNonNull(commandTimeout, COMMAND_TIMEOUT);
            return this;
        }

        /** See {@link SlotPoolConfig#assumeNewPool()}: never in production. */
        public Builder assumeNewPool(boolean assumeNewPool) {
            this.assumeNewPool = assumeNewPool;
            return this;
        }

        /** {@link Adaptive}, or null (the default) for a fixed limit. */
        public Builder adaptive(Adaptive adaptive) {
            this.adaptive = adaptive;
            return this;
        }

        public SlotPoolConfig build() {
            return new SlotPoolConfig(pool, limit, leaseTtl, renewEvery, ticketTtl, fallbackWake, commandTimeout, assumeNewPool,
                    adaptive);
        }
    }
}
