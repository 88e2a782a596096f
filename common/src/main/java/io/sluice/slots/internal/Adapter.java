package io.sluice.slots.internal;

import io.sluice.slots.Feedback;
import io.sluice.slots.PoolStatus;
import io.sluice.slots.internal.SlotScripts.Script;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of the adaptive limit ({@code slots.adaptive}): counts what the downstream
 * answered and reports it once per step interval ({@code adapt.lua}), where the fleet's reports
 * meet and one controller step at a time moves the live limit. Reports that fail are dropped:
 * the limit then simply stays where it is (it never widens without evidence).
 */
final class Adapter {
    private static final Logger log = LoggerFactory.getLogger(Adapter.class);

    private final PoolContext ctx;
    private final String[] keys;
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong limited = new AtomicLong();
    private final AtomicBoolean urgent = new AtomicBoolean();
    /**
     * Of the numbers the downstream gave since the last report (threshold, used), those with the
     * most in use, or null: the peak, when our queries and the others' were all in flight.
     */
    private final AtomicReference<Feedback> numbers = new AtomicReference<>();
    /** The numbers reported last, for the dashboard ({@code sluice_slots_adaptive_threshold|quota_used}). */
    private final SlotMetrics.Downstream downstream;

    Adapter(PoolContext ctx) {
        this.ctx = ctx;
        this.keys = new String[] {ctx.keys[0], ctx.keys[1], ctx.keys[2], ctx.adaptKey};
        this.downstream = ctx.metrics.adaptive(ctx.config.adaptive().minLimit(), ctx.config.adaptive().maxLimit(), ctx.clock);
    }

    void observe(Feedback f) {
        if (f.rateLimited()) {
            // The first refusal since the last report is reported at once: a burst may step early (adapt.lua).
            if (limited.getAndIncrement() == 0 && urgent.compareAndSet(false, true)) {
                ctx.scheduler.execute(() -> {
                    urgent.set(false);
                    report();
                });
            }
        } else {
            ok.incrementAndGet();
        }
        if (f.hasNumbers() && !f.rateLimited()) {
            // Only an admitted query's numbers say what the others run: a refusal reports the threshold
            // reached, and the others' unmet demand shows in no number, only in the refusals themselves.
            // Our queries arrive unevenly (a release hands its slot on a round trip later), so one answer's
            // quota_used may catch ours far below our leases; the peak is where they nearly meet.
            numbers.accumulateAndGet(f, (peak, next) -> peak == null || next.used() > peak.used() ? next : peak);
        }
    }

    /** One report (and maybe a step); run every step interval by the pool's timer. */
    void report() {
        long oks = ok.getAndSet(0);
        long refused = limited.getAndSet(0);
        Feedback n = numbers.getAndSet(null);
        if (n != null) {
            downstream.numbers(n.threshold(), n.used());
        }
        if (oks == 0 && refused == 0 && n == null) {
            return;
        }
        var adaptive = ctx.config.adaptive();
        ctx.run(Script.ADAPT, keys, ctx.caller(), Long.toString(oks), Long.toString(refused),
                Integer.toString(n == null ? 0 : n.threshold()), Integer.toString(n == null ? 0 : n.used()),
                Integer.toString(adaptive.minLimit()), Integer.toString(adaptive.maxLimit()),
                Long.toString(adaptive.step().toMillis()), ctx.channelPrefix, ctx.checkReceivers)
                .whenComplete((List<Object> r, Throwable e) -> {
                    if (e != null) {
                        log.debug("slot pool {}: adaptive report failed: {}", ctx.config.pool(), SlotScripts.unwrap(e).toString());
                        return;
                    }
                    long limit = (Long) r.get(0);
                    if ((Long) r.get(1) == 1 && limit != ctx.state.knownLimit()) {
                        log.info("slot pool {}: adaptive limit {} -> {} ({} ok, {} rate-limited in this client's last report{})",
                                ctx.config.pool(), ctx.state.knownLimit(), limit, oks, refused,
                                n == null ? "" : ", downstream threshold " + n.threshold() + " with " + n.used() + " in use");
                    }
                    ctx.figures(limit, (Long) r.get(2));
                    ctx.state.generation(r.get(3));
                });
    }

    /** The last step from the adapt hash's fields ({@code status.lua}), if the pool ever stepped. */
    static Optional<PoolStatus.AdaptiveStep> lastStep(List<?> flat, long nowMs) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            h.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        if (!h.containsKey("to")) {
            return Optional.empty();
        }
        return Optional.of(new PoolStatus.AdaptiveStep(Duration.ofMillis(Math.max(0, nowMs - number(h, "step"))),
                (int) number(h, "from"), (int) number(h, "to"), h.getOrDefault("why", "?"), (int) number(h, "left"),
                number(h, "w_ok"), number(h, "w_limited")));
    }

    private static long number(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null ? -1 : (long) Double.parseDouble(v);
    }
}
