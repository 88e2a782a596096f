package io.sluice.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The faults of one chaos run and when they strike, drawn from the seed alone: the same seed and
 * settings always give the same plan, so a failing run can be replayed. Every kind of fault occurs
 * at least once; longer runs get more worker kills, storms and poison records.
 */
public record FaultPlan(long seed, Duration window, List<Planned> faults) {

    public enum Kind {
        WORKER_KILL, REDIS_RESTART, REDIS_OLD_SNAPSHOT, REDIS_OLDER_EPOCH, REDIS_LAGGING_FAILOVER, KAFKA_RESTART, ERROR_STORM,
        RATE_LIMIT_STORM, SLOWDOWN, SLOW_PAST_TIMEOUT, STALL, POISON, WATERMARKS_LOST, OLDER_WINDOW_REPLAY, WORKER_JOIN,
        WORKER_LEAVE, ORCHESTRATOR_KILL
    }

    /** How old the restored snapshot is, and how far the promoted replica lags (both: written, then rolled back). */
    static final Duration SNAPSHOT_AGE = Duration.ofSeconds(6);
    static final Duration REPLICA_LAG = Duration.ofSeconds(3);
    /** An older epoch's snapshot: taken, Redis restarts empty at once (a new epoch begins), then it is restored. */
    static final Duration OLDER_EPOCH_AGE = Duration.ofSeconds(5);
    /** After the watermarks are lost, a replay of an older window: it must not become any org's latest result. */
    static final Duration REPLAY_AFTER_LOSS = Duration.ofSeconds(2);

    /**
     * One fault at {@code at} after the run started; storms last {@code length} (zero for point faults).
     * Two Redis faults have two steps {@code length} apart: an old snapshot is taken, then restored; a
     * replica stops replicating, then the primary dies and the replica takes its place.
     * {@code pick} chooses among the candidates at injection time (which worker to kill, which poison).
     */
    public record Planned(Duration at, Kind kind, Duration length, int pick) {
    }

    public FaultPlan {
        faults = List.copyOf(faults);
    }

    /** A plan for a fault window of {@code window}; {@code stall} is how long the downstream hangs. */
    public static FaultPlan draw(long seed, Duration window, Duration stall) {
        SplittableRandom random = new SplittableRandom(seed);
        long w = window.toMillis();
        List<Planned> faults = new ArrayList<>();
        int rounds = (int) Math.max(1, w / 150_000);   // one more of each storm per 2.5 minutes
        int kills = (int) Math.max(2, w / 40_000);
        int poison = (int) Math.max(3, w / 30_000);

        for (int i = 0; i < kills; i++) {
            faults.add(point(random, w, 0.10, 0.85, Kind.WORKER_KILL));
        }
        for (int i = 0; i < rounds; i++) {
            faults.add(point(random, w, 0.15, 0.80, Kind.REDIS_RESTART));
            faults.add(storm(random, w, Kind.REDIS_OLD_SNAPSHOT, SNAPSHOT_AGE));
            faults.add(storm(random, w, Kind.REDIS_OLDER_EPOCH, OLDER_EPOCH_AGE));
            faults.add(storm(random, w, Kind.REDIS_LAGGING_FAILOVER, REPLICA_LAG));
            faults.add(point(random, w, 0.15, 0.80, Kind.KAFKA_RESTART));
            faults.add(storm(random, w, Kind.ERROR_STORM, Duration.ofMillis(Math.max(6_000, w / 12))));
            faults.add(storm(random, w, Kind.RATE_LIMIT_STORM, Duration.ofMillis(Math.max(6_000, w / 12))));
            faults.add(storm(random, w, Kind.SLOWDOWN, Duration.ofMillis(Math.max(6_000, w / 12))));
            faults.add(storm(random, w, Kind.SLOW_PAST_TIMEOUT, Duration.ofMillis(Math.max(6_000, w / 12))));
            faults.add(storm(random, w, Kind.STALL, stall));
            Planned loss = point(random, w, 0.15, 0.75, Kind.WATERMARKS_LOST);
            faults.add(loss);
            faults.add(new Planned(loss.at().plus(REPLAY_AFTER_LOSS), Kind.OLDER_WINDOW_REPLAY, Duration.ZERO, loss.pick()));
        }
        for (int i = 0; i < poison; i++) {
            faults.add(point(random, w, 0.05, 0.90, Kind.POISON));
        }
        // Churn: a worker joins, stays a while (at least one rebalance settles), then leaves with SIGTERM.
        Planned join = point(random, w, 0.10, 0.45, Kind.WORKER_JOIN);
        faults.add(join);
        long stay = Math.max(10_000, (long) (w * (0.2 + 0.15 * random.nextDouble())));
        faults.add(new Planned(join.at().plusMillis(stay), Kind.WORKER_LEAVE, Duration.ZERO, 0));
        // While the orchestrator still has batches to publish.
        faults.add(point(random, w, 0.20, 0.60, Kind.ORCHESTRATOR_KILL));

        faults.sort(Comparator.comparing(Planned::at).thenComparing(Planned::kind));
        return new FaultPlan(seed, window, faults);
    }

    private static Planned point(SplittableRandom random, long windowMs, double from, double to, Kind kind) {
        long at = (long) (windowMs * (from + (to - from) * random.nextDouble()));
        return new Planned(Duration.ofMillis(at), kind, Duration.ZERO, random.nextInt(1 << 20));
    }

    private static Planned storm(SplittableRandom random, long windowMs, Kind kind, Duration length) {
        long latest = Math.max(0, windowMs - length.toMillis());
        long at = (long) (windowMs * 0.10 + (latest - windowMs * 0.10) * random.nextDouble());
        return new Planned(Duration.ofMillis(Math.max(0, at)), kind, length, random.nextInt(1 << 20));
    }
}
