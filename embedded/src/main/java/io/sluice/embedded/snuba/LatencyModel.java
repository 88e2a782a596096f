package io.sluice.embedded.snuba;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** How long the simulator holds a query (counted in flight) before it answers. */
public sealed interface LatencyModel {

    /** Milliseconds for the next query, drawn from {@code random}. */
    long sampleMillis(RandomGenerator random);

    static LatencyModel none() {
        return new Fixed(0);
    }

    static LatencyModel fixed(Duration latency) {
        return new Fixed(latency.toMillis());
    }

    /** Log-normal around {@code median}: {@code median × e^(sigma × N(0,1))}, capped at 100 × median. */
    static LatencyModel logNormal(Duration median, double sigma) {
        return new LogNormal(median.toMillis(), sigma);
    }

    record Fixed(long millis) implements LatencyModel {
        public Fixed {
            if (millis < 0) {
                throw new IllegalArgumentException("latency " + millis + "ms is negative; valid: >= 0");
            }
        }

        @Override
        public long sampleMillis(RandomGenerator random) {
            return millis;
        }
    }

    record LogNormal(long medianMillis, double sigma) implements LatencyModel {
        public LogNormal {
            if (medianMillis < 0 || !(sigma >= 0)) {
                throw new IllegalArgumentException("log-normal latency median " + medianMillis + "ms sigma " + sigma
                        + " is invalid; valid: median >= 0 and sigma >= 0");
            }
        }

        @Override
        public long sampleMillis(RandomGenerator random) {
            double sample = medianMillis * StrictMath.exp(sigma * random.nextGaussian());
            return StrictMath.round(Math.min(sample, 100.0 * medianMillis));
        }
    }
}
