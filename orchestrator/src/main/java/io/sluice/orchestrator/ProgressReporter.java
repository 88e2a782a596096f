package io.sluice.orchestrator;

import io.micrometer.core.instrument.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Duration;

/** Shows a run's progress: a bar on a terminal, a log line every 10 s elsewhere. */
public interface ProgressReporter {

    void update(Progress p);

    /** The run ended (finished, stopped or failed): print what is left to print. */
    void done(Progress p);

    /** A bar when a terminal is attached ({@code System.console() != null}), else log lines. */
    static ProgressReporter auto(Clock clock) {
        return System.console() != null ? new Bar(System.err) : new LogLines(clock, Duration.ofSeconds(10));
    }

    static ProgressReporter none() {
        return new ProgressReporter() {
            @Override
            public void update(Progress p) {
            }

            @Override
            public void done(Progress p) {
            }
        };
    }

    static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }

    /** One line redrawn in place with {@code \r}. */
    final class Bar implements ProgressReporter {
        private static final int WIDTH = 30;
        private final PrintStream out;

        public Bar(PrintStream out) {
            this.out = out;
        }

        @Override
        public void update(Progress p) {
            int filled = (int) Math.round(p.fraction() * WIDTH);
            out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                    + p.batchesDone() + "/" + p.batchesTotal() + " batches, " + p.orgsDone() + "/" + p.orgsTotal()
                    + " orgs, elapsed " + format(p.elapsed()) + ", ETA " + format(p.eta()) + "   ");
            out.flush();
        }

        @Override
        public void done(Progress p) {
            update(p);
            out.println();
        }
    }

    /** A log line at most every {@code every}, and one at the end. */
    final class LogLines implements ProgressReporter {
        private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
        private final Clock clock;
        private final long everyNanos;
        private long lastNanos = Long.MIN_VALUE;

        public LogLines(Clock clock, Duration every) {
            this.clock = clock;
            this.everyNanos = every.toNanos();
        }

        @Override
        public void update(Progress p) {
            long now = clock.monotonicTime();
            if (lastNanos == Long.MIN_VALUE || now - lastNanos >= everyNanos) {
                lastNanos = now;
                log(p);
            }
        }

        @Override
        public void done(Progress p) {
            log(p);
        }

        private static void log(Progress p) {
            LOG.info("run {}: {}/{} batches ({}%), {}/{} orgs, elapsed {}, ETA {}", p.runId(), p.batchesDone(),
                    p.batchesTotal(), Math.round(p.fraction() * 100), p.orgsDone(), p.orgsTotal(),
                    format(p.elapsed()), format(p.eta()));
        }
    }
}
