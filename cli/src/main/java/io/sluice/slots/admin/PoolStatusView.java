package io.sluice.slots.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.config.Durations;
import io.sluice.slots.PoolStatus;

import java.io.PrintWriter;
import java.time.Duration;

/** How {@code sluice slots status} shows a {@link PoolStatus}: a table for people, one JSON object for scripts. */
public final class PoolStatusView {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PoolStatusView() {
    }

    public static void printTable(PoolStatus s, PrintWriter out) {
        out.printf("pool     %s%nlimit    %d%nin use   %d%nwaiters  %d%n", s.pool(), s.limit(), s.inUse(), s.waiters());
        out.printf("abandoned %d of those in use: kept for queries their holders stopped waiting for, until the downstream "
                + "is surely done%n", s.abandoned());
        out.printf("epoch    %s (longest lease TTL %s)%n", s.epoch(), human(s.maxLeaseTtl()));
        if (s.fenced()) {
            out.printf("FENCED   no new grants for %s: Redis lost state, leases granted before may still run%n", human(s.fencedFor()));
        }
        s.lastStep().ifPresent(a -> out.printf("adaptive last step %s ago: %d -> %d, %s (window: %d ok, %d rate-limited%s)%n",
                human(a.ago()), a.from(), a.to(), a.why(), a.ok(), a.rateLimited(),
                a.left() < 0 ? "; no downstream numbers" : "; the downstream left " + a.left() + " for us"));
        classes(s).forEach((name, n) -> out.printf("class    %s: %d in use%n", name, n));
        if (s.leases().isEmpty()) {
            out.println("no live leases");
            return;
        }
        int ownerWidth = Math.max(5, s.leases().stream().mapToInt(l -> l.owner().length()).max().orElse(5));
        out.printf("%n%-" + ownerWidth + "s  %-14s  %10s  %10s%n", "OWNER", "CLIENT", "AGE", "EXPIRES IN");
        s.leases().stream().sorted((a, b) -> b.age().compareTo(a.age())).forEach(l ->
                out.printf("%-" + ownerWidth + "s  %-14s  %10s  %10s%n", l.owner(), l.clientId(), human(l.age()), human(l.expiresIn())));
    }

    public static ObjectNode json(PoolStatus s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("pool", s.pool());
        n.put("limit", s.limit());
        n.put("inUse", s.inUse());
        n.put("waiters", s.waiters());
        n.put("abandoned", s.abandoned());
        n.put("epoch", s.epoch());
        n.put("maxLeaseTtlMs", s.maxLeaseTtl().toMillis());
        n.put("fencedForMs", s.fencedFor().toMillis());
        s.lastStep().ifPresent(a -> n.putObject("adaptiveLastStep").put("agoMs", a.ago().toMillis()).put("from", a.from())
                .put("to", a.to()).put("why", a.why()).put("left", a.left()).put("ok", a.ok()).put("rateLimited", a.rateLimited()));
        ObjectNode classes = n.putObject("classesInUse");
        classes(s).forEach(classes::put);
        ArrayNode leases = n.putArray("leases");
        for (PoolStatus.LeaseInfo l : s.leases()) {
            leases.addObject().put("leaseId", l.leaseId()).put("owner", l.owner()).put("clientId", l.clientId())
                    .put("ageMs", l.age().toMillis()).put("expiresInMs", l.expiresIn().toMillis());
        }
        return n;
    }

    /** Live leases per class of a pool with classes (the owner's {@code @CLASS/} prefix); empty when none carries one. */
    static java.util.SortedMap<String, Integer> classes(PoolStatus s) {
        java.util.SortedMap<String, Integer> in = new java.util.TreeMap<>();
        for (PoolStatus.LeaseInfo l : s.leases()) {
            String o = l.owner();
            int slash = o.indexOf('/');
            if (o.startsWith("@") && slash > 1) {
                in.merge(o.substring(1, slash), 1, Integer::sum);
            }
        }
        return in;
    }

    public static void printJson(PoolStatus s, PrintWriter out) {
        try {
            out.println(JSON.writeValueAsString(json(s)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write pool status as JSON", e);
        }
    }

    /** Durations rounded to what an operator reads: 850ms, 12.3s, 4m05s. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (Math.abs(ms) < 1_000) {
            return ms + "ms";
        }
        if (Math.abs(ms) < 60_000) {
            return String.format("%.1fs", ms / 1000.0);
        }
        if (ms % 60_000 == 0) {
            return Durations.format(d);
        }
        return String.format("%dm%02ds", ms / 60_000, (ms % 60_000) / 1000);
    }
}
