package io.sluice.embedded.snuba;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The simulator's side of a 200, before and after issue 14: the former maps-plus-Jackson body
 * ({@link SnqlAnswersTest}'s reference copy) against {@link SnqlAnswers#write} (uncached) and a cache hit, for the
 * contract week of orgs 1..N. Prints CPU µs and bytes allocated per answer. A command, not a test.
 *
 * <p>Usage: {@code AnswerBench [orgs (default 2000)] [rounds (default 4)]}
 */
public final class AnswerBench {
    private interface Body {
        int length(long org) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int orgs = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        SyntheticData data = SyntheticData.withDefaultSeed();
        SnqlQuery[] queries = new SnqlQuery[orgs + 1];
        for (int org = 1; org <= orgs; org++) {
            queries[org] = SnqlQuery.parse("MATCH (outcomes) SELECT sum(quantity) AS total BY project_id, time WHERE org_id = "
                    + org + " AND timestamp >= toDateTime('2026-11-21T00:00:00') AND timestamp < toDateTime('2026-11-28T00:00:00')"
                    + " AND outcome = 0 GRANULARITY 3600");
        }
        for (int org = 1; org <= Math.min(orgs, 200); org++) {
            if (!Arrays.equals(SnqlAnswers.write(data, queries[org]).toArray(), SnqlAnswersTest.referenceBody(data, queries[org]))) {
                throw new IllegalStateException("the bodies differ for org " + org);
            }
        }
        SnqlAnswers cached = new SnqlAnswers(data, SnqlAnswers.DEFAULT_MAX_ENTRIES, Long.MAX_VALUE);
        for (int org = 1; org <= orgs; org++) {
            cached.body(queries[org]);
            cached.body(queries[org]);   // kept from the second ask
        }
        System.out.printf("contract week, orgs 1..%d (mean %d rows per answer), %d rounds (first is warm-up)%n", orgs,
                rows(data, orgs), rounds);
        for (int round = 0; round < rounds; round++) {
            double[] before = measure(org -> SnqlAnswersTest.referenceBody(data, queries[(int) org]).length, orgs);
            double[] after = measure(org -> SnqlAnswers.write(data, queries[(int) org]).length(), orgs);
            double[] hit = measure(org -> cached.body(queries[(int) org]).length(), orgs);
            System.out.printf("round %d: before %7.1f µs CPU %8.0f B | after %6.1f µs CPU %7.0f B | cache hit %4.1f µs CPU"
                    + " (per answer)%n", round, before[0], before[1], after[0], after[1], hit[0]);
        }
    }

    private static long rows(SyntheticData data, int orgs) throws Exception {
        long rows = 0;
        for (long org = 1; org <= orgs; org++) {
            rows += data.projects(org).size() * 168L;
        }
        return Math.round(rows * 0.98 / orgs);
    }

    private static double[] measure(Body body, int orgs) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long sink = 0;
        long cpu0 = mx.getCurrentThreadCpuTime();
        long alloc0 = mx.getThreadAllocatedBytes(thread);
        for (long org = 1; org <= orgs; org++) {
            sink += body.length(org);
        }
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        long alloc = mx.getThreadAllocatedBytes(thread) - alloc0;
        if (sink == 42) {
            System.out.print("");
        }
        return new double[] {cpu / 1_000.0 / orgs, (double) alloc / orgs};
    }
}
