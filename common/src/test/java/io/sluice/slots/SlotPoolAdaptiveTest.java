package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.embedded.SharedServers;
import io.sluice.slots.internal.RedisSlotPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The adaptive limit against a real Redis: the downstream's answers move the fleet's live limit, within bounds. */
class SlotPoolAdaptiveTest {
    private static final Duration STEP = Duration.ofMillis(200);
    private final SlotPools pools = new SlotPools(SharedServers.redis().uri());
    private final String name = SharedServers.uniqueName("adaptive");

    @AfterEach
    void close() {
        pools.close();
    }

    private RedisSlotPool adaptive(int limit, int min, int max) {
        return pools.open(name, limit, b -> b.leaseTtl(Duration.ofSeconds(10)).renewEvery(Duration.ofSeconds(2))
                .adaptive(new SlotPoolConfig.Adaptive(min, max, STEP)));
    }

    private static List<Lease> hold(RedisSlotPool pool, int n) {
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leases.add(((Acquisition.Granted) pool.acquireBlocking("q" + i, Duration.ZERO)).lease());
        }
        return leases;
    }

    @Test
    void anAdmittedQuerysNumbersLowerTheLimitToWhatIsLeftAtOnce() {
        RedisSlotPool pool = adaptive(10, 2, 20);
        hold(pool, 4);
        // Snuba: threshold 12, 13 in use counting ours (4): the others run 9, so 12 - 9 - 1 (margin) = 2 are left for us.
        pool.observe(new Feedback(false, 12, 13));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.status().limit() == 2);
        assertThat(pool.acquireBlocking("over the new limit", Duration.ZERO)).isInstanceOf(Acquisition.Refused.class);
        // `sluice slots status` says what the step did and why
        PoolStatus.AdaptiveStep step = pool.status().lastStep().orElseThrow();
        assertThat(step.from()).isEqualTo(10);
        assertThat(step.to()).isEqualTo(2);
        assertThat(step.why()).isEqualTo("others took more");
        assertThat(step.left()).isEqualTo(2);
        assertThat(step.ok()).isEqualTo(1);
        assertThat(step.ago()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void roomReportedByTheDownstreamRaisesTheLimitStraightToWhatIsLeft() {
        RedisSlotPool pool = adaptive(4, 2, 40);
        hold(pool, 4);
        List<Integer> seen = new ArrayList<>();
        // Threshold 40, 14 in use counting our 4: the others run 10, so 40 - 10 - 1 (margin) = 29 are left for us.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            pool.observe(new Feedback(false, 40, 14));
            int limit = pool.status().limit();
            if (seen.isEmpty() || seen.getLast() != limit) {
                seen.add(limit);
            }
            return limit == 29;
        });
        assertThat(seen).as("one step, no detour").containsExactly(4, 29);
        await().pollDelay(STEP.multipliedBy(3)).atMost(Duration.ofSeconds(2)).until(() -> true);
        pool.observe(new Feedback(false, 40, 14));
        await().pollDelay(STEP.multipliedBy(3)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(pool.status().limit()).as("not past what is left").isEqualTo(29);
    }

    @Test
    void roomAboveTheMaximumStopsAtTheMaximum() {
        RedisSlotPool pool = adaptive(4, 2, 20);
        hold(pool, 4);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            pool.observe(new Feedback(false, 40, 4));   // 36 free at the downstream, 39 left after the margin
            return pool.status().limit() == 20;
        });
        await().pollDelay(STEP.multipliedBy(3)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(pool.status().limit()).isEqualTo(20);
        assertThat(pool.status().lastStep().orElseThrow().why()).endsWith("(at max)");
    }

    @Test
    void theMostInUseAmongAReportsAnswersCountsNotTheLatest() {
        RedisSlotPool pool = adaptive(4, 2, 40);
        hold(pool, 4);
        // Answers admitted while little was in flight say little about the others: the peak (30, the
        // others 26) does, so 40 - 26 - 1 = 13 are left, not 40 - 1 - 1 = 38 as the last answer alone says.
        pool.observe(new Feedback(false, 40, 30));
        pool.observe(new Feedback(false, 40, 5));
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.status().limit() != 4);
        await().pollDelay(STEP.multipliedBy(3)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(pool.status().limit()).isEqualTo(13);
    }

    @Test
    void aBackOffTheNumbersExplainDoesNotSlowTheWayBack() {
        RedisSlotPool pool = adaptive(20, 2, 40);
        hold(pool, 4);
        // The others take 30 (34 in use, our 4 included) and a tenth of our answers are refused: the limit
        // goes to what is left, 40 - 30 - 1 = 9. The numbers explain the refusals, so no ceiling is kept at 20.
        for (int i = 0; i < 9; i++) {
            pool.observe(new Feedback(false, 40, 34));
        }
        pool.observe(Feedback.limited());
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.status().limit() == 9);
        // The others go down to 15: 40 - 15 - 1 = 24 are left, and the limit goes there in one step
        // (a ceiling at 20 would hold it at 19, then one by one).
        List<Integer> seen = new ArrayList<>();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            pool.observe(new Feedback(false, 40, 19));
            int limit = pool.status().limit();
            if (limit != 9 && (seen.isEmpty() || seen.getLast() != limit)) {
                seen.add(limit);
            }
            return !seen.isEmpty();
        });
        assertThat(seen).containsExactly(24);
    }

    @Test
    void withoutNumbersRefusalsCutTheLimitByTheirShareDownToTheMinimum() {
        RedisSlotPool pool = adaptive(10, 6, 20);
        tenPercentRefused(pool);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.status().limit() == 9);   // x0.9
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            tenPercentRefused(pool);
            return pool.status().limit() == 6;
        });
        pool.observe(Feedback.limited());   // all refused: x0.5, but not below the minimum
        await().pollDelay(STEP.multipliedBy(3)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(pool.status().limit()).as("the minimum holds").isEqualTo(6);
    }

    /** Nine answers, then a refusal: the refusal is reported at once, with the nine. */
    private static void tenPercentRefused(RedisSlotPool pool) {
        for (int i = 0; i < 9; i++) {
            pool.observe(Feedback.ok());
        }
        pool.observe(Feedback.limited());
    }

    @Test
    void aFixedLimitIgnoresFeedback() {
        RedisSlotPool pool = pools.open(name, 10, b -> b);
        pool.observe(new Feedback(true, 12, 13));
        pool.observe(Feedback.limited());
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(pool.status().limit()).isEqualTo(10);
    }

    @Test
    void theBoundsAndTheDownstreamsLatestNumbersAreGaugesUntilTheyGoStale() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong skew = new AtomicLong();
        RedisSlotPool pool = pools.open(SlotPools.fast(name, 10).leaseTtl(Duration.ofSeconds(10)).renewEvery(Duration.ofSeconds(2))
                .adaptive(new SlotPoolConfig.Adaptive(2, 40, STEP)).build(), registry, () -> System.nanoTime() + skew.get());
        assertThat(gauge(registry, "sluice.slots.adaptive.min_limit")).isEqualTo(2);
        assertThat(gauge(registry, "sluice.slots.adaptive.max_limit")).isEqualTo(40);
        assertThat(gauge(registry, "sluice.slots.adaptive.threshold")).as("no answer yet").isNaN();
        assertThat(gauge(registry, "sluice.slots.adaptive.quota_used")).isNaN();
        // The report's numbers: the most in use among its answers, not the latest.
        pool.observe(new Feedback(false, 40, 14));
        pool.observe(new Feedback(false, 40, 9));
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(registry, "sluice.slots.adaptive.threshold") == 40);
        assertThat(gauge(registry, "sluice.slots.adaptive.quota_used")).isEqualTo(14);
        // Nothing held, so the others run 14: 40 - 14 - 1 = 25 are left, and the live-limit gauge shows the step.
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(registry, "sluice.slots.limit") == 25);
        skew.set(Duration.ofMinutes(1).plusSeconds(1).toNanos());
        assertThat(gauge(registry, "sluice.slots.adaptive.threshold")).as("stale after a minute").isNaN();
        assertThat(gauge(registry, "sluice.slots.adaptive.quota_used")).isNaN();

        SimpleMeterRegistry fixed = new SimpleMeterRegistry();
        pools.open(SlotPools.fast(name + "-fixed", 10).build(), fixed, System::nanoTime);
        assertThat(fixed.find("sluice.slots.limit").gauge()).isNotNull();
        assertThat(fixed.find("sluice.slots.adaptive.min_limit").gauge()).as("a fixed limit has no bounds").isNull();
        assertThat(fixed.find("sluice.slots.adaptive.threshold").gauge()).isNull();
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void snubaNumbersAreReadFromTheEndOfAnAnswer() {
        byte[] ok = ("{\"data\":[{\"total\":1}],\"stats\":{\"quota_allowance\":{\"details\":{\"ConcurrentRateLimitAllocationPolicy\":"
                + "{\"rejection_threshold\":100,\"quota_used\":37}}}}}").getBytes();
        assertThat(Feedback.fromSnuba(false, ok)).isEqualTo(new Feedback(false, 100, 37));
        assertThat(Feedback.fromSnuba(true, "{\"error\":{}}".getBytes())).isEqualTo(Feedback.limited());
    }
}
