package io.sluice.jobs.spike;

import io.sluice.job.BadAnswerException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.embedded.snuba.SyntheticData;
import io.sluice.messages.Window;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The worker's response path for one org, before and after issue 14, in one JVM and one run: parse a realistic
 * Snuba answer (the contract week, an org with 10 projects, about 1,650 rows, from {@link SyntheticData}) and
 * project it. "before" is a verbatim copy of the former tree parser and projector, kept only here.
 * Prints CPU µs and bytes allocated per org for each. Not a test: run it as a command (see docs/BENCHMARKS.md).
 *
 * <p>Usage: {@code ParseBench [orgs-per-round (default 5000)] [rounds (default 6)]}
 */
public final class ParseBench {
    private static final Window WEEK = new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"));
    private static final ProjectionSettings SETTINGS = ProjectionSettings.defaults();

    public static void main(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        SyntheticData data = SyntheticData.withDefaultSeed();
        long org = 1;
        while (data.projects(org).size() != 10) {
            org++;
        }
        byte[] body = answer(data, org);
        SpikeProjector projector = new SpikeProjector(SETTINGS);
        Function<byte[], List<ProjectProjection>> after = b -> {
            try {
                return projector.project(WEEK, HourlyAnswer.rows(b));
            } catch (BadAnswerException e) {
                throw new IllegalStateException(e);
            }
        };
        Function<byte[], List<ProjectProjection>> streamed = b -> {   // Jackson's streaming parser alone (the fallback)
            try {
                return projector.project(WEEK, HourlyAnswer.streamedRows(b));
            } catch (BadAnswerException e) {
                throw new IllegalStateException(e);
            }
        };
        Function<byte[], List<ProjectProjection>> before = Before::parseAndProject;
        List<ProjectProjection> expected = before.apply(body);
        if (!expected.equals(after.apply(body)) || !expected.equals(streamed.apply(body))) {
            throw new IllegalStateException("before and after disagree on org " + org);
        }
        System.out.printf("answer: org %d, %d projects, %d rows, %d bytes; %d orgs per round, %d rounds (first is warm-up)%n",
                org, expected.size(), HourlyAnswer.rows(body).size(), body.length, perRound, rounds);
        JsonFactory factory = new JsonFactory();
        Function<byte[], List<ProjectProjection>> tokensOnly = b -> {   // the floor: Jackson's tokenizer, values unread
            try (JsonParser p = factory.createParser(b)) {
                while (p.nextToken() != null) {
                    // nothing
                }
                return List.of();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        };
        double[][] best = {{Double.MAX_VALUE, 0}, {Double.MAX_VALUE, 0}, {Double.MAX_VALUE, 0}, {Double.MAX_VALUE, 0}};
        for (int round = 0; round < rounds; round++) {
            double[] b = measure(before, body, perRound);
            double[] a = measure(after, body, perRound);
            double[] t = measure(tokensOnly, body, perRound);
            double[] s = measure(streamed, body, perRound);
            System.out.printf("round %d: before %7.1f µs CPU/org %8.0f B/org | after %6.1f µs CPU/org %6.0f B/org"
                    + " | Jackson streaming %6.1f µs | tokens only %6.1f µs%n", round, b[0], b[1], a[0], a[1], s[0], t[0]);
            if (round > 0) {
                best[0] = b[0] < best[0][0] ? b : best[0];
                best[1] = a[0] < best[1][0] ? a : best[1];
                best[2] = t[0] < best[2][0] ? t : best[2];
                best[3] = s[0] < best[3][0] ? s : best[3];
            }
        }
        System.out.printf("best: before %.1f µs CPU/org (%.0f B/org), after %.1f µs CPU/org (%.0f B/org): %.1fx less CPU;"
                        + " Jackson streaming (the fallback) %.1f µs; Jackson's bare tokenizer alone %.1f µs%n",
                best[0][0], best[0][1], best[1][0], best[1][1], best[0][0] / best[1][0], best[3][0], best[2][0]);
    }

    /** CPU µs and bytes allocated per org by this thread over {@code n} parses and projections. */
    private static double[] measure(Function<byte[], List<ProjectProjection>> path, byte[] body, int n) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long sink = 0;
        long cpu0 = mx.getCurrentThreadCpuTime();
        long alloc0 = mx.getThreadAllocatedBytes(thread);
        for (int i = 0; i < n; i++) {
            sink += path.apply(body).size();
        }
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        long alloc = mx.getThreadAllocatedBytes(thread) - alloc0;
        if (sink == 42) {
            System.out.print("");
        }
        return new double[] {cpu / 1_000.0 / n, (double) alloc / n};
    }

    /** The simulator's answer as the worker receives it (the maps the simulator used to serialize, in its order). */
    private static byte[] answer(SyntheticData data, long org) throws Exception {
        DateTimeFormatter time = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'+00:00'").withZone(ZoneOffset.UTC);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (long project : data.projects(org)) {
            for (Instant t = WEEK.start(); t.isBefore(WEEK.end()); t = t.plusSeconds(3_600)) {
                var v = data.total(org, project, t);
                if (v.isPresent()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("project_id", project);
                    row.put("time", time.format(t));
                    row.put("total", v.getAsLong());
                    rows.add(row);
                }
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("data", rows);
        root.put("meta", List.of(Map.of("name", "project_id", "type", "UInt64"), Map.of("name", "time", "type", "DateTime"),
                Map.of("name", "total", "type", "UInt64")));
        return new ObjectMapper().writeValueAsBytes(root);
    }

    /** The response path before issue 14, copied verbatim (minus error wording) for a like-for-like comparison. */
    static final class Before {
        private static final ObjectMapper MAPPER = new ObjectMapper();
        private static final int HOURS = ProjectProjection.HOURS;
        private static final Duration HOUR = Duration.ofHours(1);

        static List<ProjectProjection> parseAndProject(byte[] body) {
            try {
                return project(WEEK, rows(body));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static List<HourlyTotal> rows(byte[] body) throws Exception {
            JsonNode root = MAPPER.readTree(body);
            JsonNode data = root == null ? null : root.get("data");
            if (data == null || !data.isArray()) {
                throw new IllegalArgumentException("no 'data' array");
            }
            List<HourlyTotal> rows = new ArrayList<>(data.size());
            for (int i = 0; i < data.size(); i++) {
                JsonNode row = data.get(i);
                rows.add(new HourlyTotal(integer(row, "project_id"), time(row), integer(row, "total")));
            }
            return rows;
        }

        static Instant parseTime(String s) {
            TemporalAccessor t = DateTimeFormatter.ISO_DATE_TIME.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
            return t instanceof OffsetDateTime o ? o.toInstant() : ((LocalDateTime) t).toInstant(ZoneOffset.UTC);
        }

        private static long integer(JsonNode row, String field) {
            JsonNode x = row.get(field);
            if (x == null || !x.isIntegralNumber() || !x.canConvertToLong()) {
                throw new IllegalArgumentException("'" + field + "' is missing or not an integer (row " + row + ")");
            }
            return x.asLong();
        }

        private static Instant time(JsonNode row) {
            JsonNode x = row.get("time");
            if (x == null || !x.isTextual()) {
                throw new IllegalArgumentException("'time' is missing or not a string (row " + row + ")");
            }
            return parseTime(x.asText());
        }

        static List<ProjectProjection> project(Window window, List<HourlyTotal> rows) {
            int days = SETTINGS.historyDays();
            Map<Long, long[]> buckets = new TreeMap<>();
            for (HourlyTotal row : rows) {
                int bucket = bucketOf(window, row.hour());
                if (bucket >= 0) {
                    long[] totals = buckets.computeIfAbsent(row.projectId(), id -> new long[days * HOURS]);
                    totals[bucket] = saturatedAdd(totals[bucket], row.total());
                }
            }
            List<ProjectProjection> out = new ArrayList<>(buckets.size());
            buckets.forEach((projectId, totals) -> out.add(projection(projectId, totals, days)));
            return out;
        }

        private static ProjectProjection projection(long projectId, long[] totals, int days) {
            long[] hourly = new long[HOURS];
            long[] threshold = new long[HOURS];
            long[] atHour = new long[days];
            for (int h = 0; h < HOURS; h++) {
                for (int d = 0; d < days; d++) {
                    atHour[d] = totals[d * HOURS + h];
                }
                hourly[h] = median(atHour);
                threshold[h] = Math.max(SETTINGS.floor(), saturatedMultiply(SETTINGS.multiplier(), hourly[h]));
            }
            return new ProjectProjection(projectId, hourly, threshold);
        }

        private static long median(long[] values) {
            Arrays.sort(values);
            int n = values.length;
            if (n % 2 == 1) {
                return values[n / 2];
            }
            long a = values[n / 2 - 1];
            long b = values[n / 2];
            return a / 2 + b / 2 + (a % 2 + b % 2 + 1) / 2;
        }

        private static int bucketOf(Window window, Instant t) {
            if (t.isBefore(window.start()) || !t.isBefore(window.end())) {
                return -1;
            }
            long hoursIn = Duration.between(window.start(), t).dividedBy(HOUR);
            long day = hoursIn / HOURS;
            long hourOfDay = Math.floorMod(Math.floorDiv(window.start().getEpochSecond(), 3600) + hoursIn, HOURS);
            return (int) (day * HOURS + hourOfDay);
        }

        private static long saturatedAdd(long a, long b) {
            long sum = a + b;
            return sum < 0 ? Long.MAX_VALUE : sum;
        }

        private static long saturatedMultiply(long a, long b) {
            long high = Math.multiplyHigh(a, b);
            long low = a * b;
            return high != 0 || low < 0 ? Long.MAX_VALUE : low;
        }
    }
}
