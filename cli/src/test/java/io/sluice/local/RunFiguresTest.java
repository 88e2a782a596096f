package io.sluice.local;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The run-against-its-minimum figures from a synthetic in-flight trace sampled every 5 ms. */
class RunFiguresTest {
    private static final int LIMIT = 50;
    private static final long ORGS = 1000;

    /** Appends {@code millis} of samples at {@code inFlight}, with {@code requests} received so far; every org published. */
    private static double add(List<InFlightSampler.Sample> s, double at, long millis, int inFlight, long requests) {
        return add(s, at, millis, inFlight, requests, ORGS);
    }

    /** Appends {@code millis} of samples at {@code inFlight}, with {@code requests} received and {@code published} so far. */
    private static double add(List<InFlightSampler.Sample> s, double at, long millis, int inFlight, long requests,
                              long published) {
        for (long t = 0; t < millis; t += 5) {
            s.add(new InFlightSampler.Sample(at + t / 1000.0, inFlight, requests, published));
        }
        return at + millis / 1000.0;
    }

    @Test
    void aDipLongerThan200msWhileOrgsWaitIsAStallAndTheFinalDrainIsNot() {
        List<InFlightSampler.Sample> s = new ArrayList<>();
        double t = add(s, 0, 1000, 0, 0);          // start-up: nothing in flight
        t = add(s, t, 2000, LIMIT, 500);           // full
        t = add(s, t, 300, 10, 500);               // a stall: 300 ms at 20 % of the limit
        t = add(s, t, 500, LIMIT, 500);
        t = add(s, t, 150, 30, 500);               // a dip under 80 % for only 150 ms: no stall
        t = add(s, t, 1500, LIMIT, 500);
        t = add(s, t, 10, LIMIT, ORGS);            // every org has been sent: the drain begins
        t = add(s, t, 500, 5, ORGS);               // the drain, low but nobody waits
        add(s, t, 100, 0, ORGS);

        RunFigures f = RunFigures.of(s, 0.5, ORGS, LIMIT, 900, 2.0, "1.00 1.00 1.00");

        assertThat(f.startupSeconds()).isCloseTo(0.5, within(0.01));
        assertThat(f.stalls()).isEqualTo(1);
        assertThat(f.stallList().getFirst().atSeconds()).isCloseTo(3.0, within(0.01));
        assertThat(f.longestStallMillis()).isCloseTo(300, within(6.0));
        assertThat(f.elapsedSeconds()).isCloseTo(4.96, within(0.01));
        double area = 4.01 * LIMIT + 0.3 * 10 + 0.15 * 30 + 0.5 * 5;
        assertThat(f.minimumSeconds()).isCloseTo(area / LIMIT, within(0.01));
        assertThat(f.meanQueryMillis()).isCloseTo(area / ORGS * 1000, within(0.5));
        assertThat(f.steadyUtilization()).isCloseTo((4.0 * LIMIT + 0.3 * 10 + 0.15 * 30) / 4.45 / LIMIT, within(0.005));
        assertThat(f.drainSeconds()).isCloseTo(0.51, within(0.01));
        assertThat(f.pausesPerOrg()).isEqualTo(0.9);
        assertThat(f.cpuMillisPerOrg()).isEqualTo(2.0);
    }

    @Test
    void aRunThatNeverDipsHasNoStall() {
        List<InFlightSampler.Sample> s = new ArrayList<>();
        double t = add(s, 0, 3000, LIMIT, 100);
        t = add(s, t, 300, 20, ORGS);
        add(s, t, 50, 0, ORGS);
        RunFigures f = RunFigures.of(s, 0, ORGS, LIMIT, 0, 1.0, "-");
        assertThat(f.stalls()).isZero();
        assertThat(f.steadyUtilization()).isCloseTo(1.0, within(0.001));
    }

    /**
     * A paced run: a batch of 25 every 2 s, each sent at once and answered within 300 ms. The downstream idles
     * between batches (and 25 is under 80 % of the limit), but no published org waits: no stall.
     */
    @Test
    void aPacedRunIdlingBecauseNothingIsPublishedHasNoStall() {
        long orgs = 250;
        List<InFlightSampler.Sample> s = new ArrayList<>();
        double t = add(s, 0, 500, 0, 0, 0);
        for (long published = 25; published <= orgs; published += 25) {
            t = add(s, t, 10, 0, published - 25, published);   // published, fetched within 10 ms
            t = add(s, t, 300, 25, published, published);      // the batch in flight
            t = add(s, t, 1690, 0, published, published);      // nothing published: the orchestrator paces
        }
        RunFigures f = RunFigures.of(s, 0, orgs, LIMIT, 0, 1.0, "-");
        assertThat(f.stalls()).isZero();
        assertThat(f.stallSeconds()).isZero();
    }

    /** The same paced run, but one batch sits published for 400 ms before its orgs reach the downstream: a stall. */
    @Test
    void aPublishedBatchNotSentForLongerThan200msIsAStall() {
        long orgs = 100;
        List<InFlightSampler.Sample> s = new ArrayList<>();
        double t = add(s, 0, 500, 0, 0, 0);
        double late = 0;
        for (long published = 25; published <= orgs; published += 25) {
            if (published == 50) late = t;
            t = add(s, t, published == 50 ? 400 : 10, 0, published - 25, published);
            t = add(s, t, 300, 25, published, published);
            t = add(s, t, 1690, 0, published, published);
        }
        RunFigures f = RunFigures.of(s, 0, orgs, LIMIT, 0, 1.0, "-");
        assertThat(f.stalls()).isEqualTo(1);
        assertThat(f.stallList().getFirst().atSeconds()).isCloseTo(late, within(0.01));
        assertThat(f.longestStallMillis()).isCloseTo(400, within(6.0));
    }
}
