package io.sluice.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of {@code redis-server} processes on 127.0.0.1 (the binary {@link EmbeddedRedis}
 * uses): {@code masters} primaries splitting the 16,384 slots evenly, each with {@code replicas}
 * replicas. Formed with {@code CLUSTER MEET}, {@code ADDSLOTS} and {@code REPLICATE}, as
 * {@code redis-cli --cluster create} would, so it needs no {@code redis-cli}. Node timeout 15 s (Redis' default), so a loaded test machine does not fail over on its own; the tests fail over by hand.
 *
 * <pre>{@code
 * try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.start(3, 1)) {
 *     RedisClusterClient client = RedisClusterClient.create(cluster.seeds().get(0));
 * }
 * }</pre>
 */
public final class EmbeddedRedisCluster implements AutoCloseable {
    public static final int SLOTS = 16_384;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

    private final List<EmbeddedRedis> nodes;
    private final int masters;

    private EmbeddedRedisCluster(List<EmbeddedRedis> nodes, int masters) {
        this.nodes = nodes;
        this.masters = masters;
    }

    /** Starts and forms the cluster; returns once every node reports {@code cluster_state:ok} and replicas are in sync. */
    public static EmbeddedRedisCluster start(int masters, int replicas) {
        if (masters < 1 || replicas < 0) {
            throw new IllegalArgumentException("masters must be >= 1 and replicas >= 0, were " + masters + " and " + replicas);
        }
        List<EmbeddedRedis> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters * (1 + replicas); i++) {
                nodes.add(startNode());
            }
            EmbeddedRedisCluster cluster = new EmbeddedRedisCluster(nodes, masters);
            cluster.form(replicas);
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(EmbeddedRedis::stop);
            throw e;
        }
    }

    /**
     * A node on a port whose cluster bus port (port + 10000, fixed before Redis 7) is free too.
     * Ports are drawn below the ephemeral range so that port + 10000 stays valid.
     */
    private static EmbeddedRedis startNode() {
        for (int attempt = 0; ; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(15_000, 22_000);
            if (FreePorts.isListening(port) || FreePorts.isListening(port + 10_000)) {
                continue;
            }
            try {
                return EmbeddedRedis.builder().port(port).arg("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "15000").build().start();
            } catch (IllegalStateException e) {
                if (attempt > 20) {
                    throw e;
                }
            }
        }
    }

    private void form(int replicas) {
        List<String> ids = nodes.stream().map(n -> (String) Resp.call(n.port(), "CLUSTER", "MYID")).toList();
        for (int i = 1; i < nodes.size(); i++) {
            Resp.call(nodes.get(0).port(), "CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()));
        }
        for (int m = 0; m < masters; m++) {
            int from = m * SLOTS / masters;
            int to = (m + 1) * SLOTS / masters;
            String[] cmd = new String[2 + to - from];
            cmd[0] = "CLUSTER";
            cmd[1] = "ADDSLOTS";
            for (int s = from; s < to; s++) {
                cmd[2 + s - from] = Integer.toString(s);
            }
            Resp.call(nodes.get(m).port(), cmd);
        }
        await("every node knows every other", () -> nodes.stream().allMatch(n ->
                knowsAll((String) Resp.call(n.port(), "CLUSTER", "NODES"))));
        for (int r = masters; r < nodes.size(); r++) {
            String master = ids.get((r - masters) % masters);
            int port = nodes.get(r).port();
            await("replica " + port + " accepted", () -> {
                try {
                    Resp.call(port, "CLUSTER", "REPLICATE", master);
                    return true;
                } catch (IllegalStateException e) {
                    return false; // "Unknown node" until gossip has reached it
                }
            });
        }
        awaitHealthy();
        await("every shard lists its replicas", () -> nodes.stream().allMatch(n -> {
            @SuppressWarnings("unchecked")
            List<Object> shards = (List<Object>) Resp.call(n.port(), "CLUSTER", "SLOTS");
            return shards.size() == masters && shards.stream().allMatch(x -> ((List<?>) x).size() == 3 + replicas);
        }));
    }

    private boolean knowsAll(String clusterNodes) {
        return clusterNodes.lines().count() == nodes.size() && !clusterNodes.contains("handshake");
    }

    /** Waits until every running node says {@code cluster_state:ok} and every running replica's link is up. */
    public void awaitHealthy() {
        await("cluster_state:ok on every node", () -> nodes.stream().filter(EmbeddedRedis::isRunning).allMatch(n ->
                ((String) Resp.call(n.port(), "CLUSTER", "INFO")).contains("cluster_state:ok")));
        await("replicas in sync", () -> nodes.stream().filter(EmbeddedRedis::isRunning).allMatch(n -> {
            String info = (String) Resp.call(n.port(), "INFO", "replication");
            return info.contains("role:master") || info.contains("master_link_status:up");
        }));
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...} over the primaries, as Sluice's {@code redis.uri} accepts it. */
    public String uri() {
        return "redis-cluster://" + nodes.subList(0, masters).stream().map(n -> n.host() + ":" + n.port())
                .collect(Collectors.joining(","));
    }

    public List<EmbeddedRedis> nodes() {
        return List.copyOf(nodes);
    }

    /** The cluster slot of {@code key} (hash tags honoured), as the server computes it. */
    public int slotOf(String key) {
        return (int) (long) (Long) Resp.call(runningPort(), "CLUSTER", "KEYSLOT", key);
    }

    /** The node now serving {@code slot} as primary. */
    public EmbeddedRedis primaryOf(int slot) {
        return nodeOnPort(shardPorts(slot).get(0));
    }

    /** The replicas of {@code slot}'s primary, as the primary lists them. */
    public List<EmbeddedRedis> replicasOf(int slot) {
        List<Integer> ports = shardPorts(slot);
        return ports.subList(1, ports.size()).stream().map(this::nodeOnPort).toList();
    }

    /**
     * Promotes {@code replica}: {@code CLUSTER FAILOVER} with {@code mode} "" (coordinated, loses
     * nothing), "FORCE" (primary unreachable) or "TAKEOVER" (no agreement; whatever the replica has
     * not received is lost). Returns once the replica serves as primary.
     */
    public void failover(EmbeddedRedis replica, String mode) {
        String[] cmd = mode.isEmpty() ? new String[] {"CLUSTER", "FAILOVER"} : new String[] {"CLUSTER", "FAILOVER", mode};
        Resp.call(replica.port(), cmd);
        await("127.0.0.1:" + replica.port() + " promoted", () ->
                ((String) Resp.call(replica.port(), "INFO", "replication")).contains("role:master"));
    }

    /** Blocks until every replica of {@code primary} has its writes so far ({@code WAIT}); false on timeout. */
    public boolean awaitReplicated(EmbeddedRedis primary, int replicas) {
        return (Long) Resp.call(primary.port(), "WAIT", Integer.toString(replicas), "5000") >= replicas;
    }

    /** Runs one command on {@code node} (set-up and fault drills); replies as {@code Resp} maps them. */
    public Object call(EmbeddedRedis node, String... command) {
        return Resp.call(node.port(), command);
    }

    private List<Integer> shardPorts(int slot) {
        @SuppressWarnings("unchecked")
        List<Object> shards = (List<Object>) Resp.call(runningPort(), "CLUSTER", "SLOTS");
        for (Object s : shards) {
            List<?> shard = (List<?>) s;
            if ((Long) shard.get(0) <= slot && slot <= (Long) shard.get(1)) {
                List<Integer> ports = new ArrayList<>();
                for (Object node : shard.subList(2, shard.size())) {
                    ports.add((int) (long) (Long) ((List<?>) node).get(1));
                }
                return ports;
            }
        }
        throw new IllegalStateException("no node serves slot " + slot);
    }

    private EmbeddedRedis nodeOnPort(int port) {
        return nodes.stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node on port " + port));
    }

    private int runningPort() {
        return nodes.stream().filter(EmbeddedRedis::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("no cluster node is running")).port();
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redis cluster: timed out waiting for " + what);
            }
            FreePorts.pause(50);
        }
    }

    @Override
    public void close() {
        nodes.forEach(EmbeddedRedis::stop);
    }
}
