package io.sluice.embedded.snuba;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of a 200 answer, written straight into bytes from {@link SyntheticData} (no Jackson tree, no map or
 * string per row), and kept in a small LRU per (org, window, granularity) bounded in entries and bytes.
 *
 * <p>Only a query asked before is cached: the first time, its key is noted (a bounded set of keys, no body) and the
 * body is written and sent but not kept. A run that asks each org once (the all-in-one run asks thousands) would
 * otherwise put every body in the cache, where it outlives a young collection or two before it is evicted unused,
 * so the collector copies and promotes every answer. Retries and repeated queries are cached from their second ask.
 *
 * <p>The bytes are what Jackson wrote for the maps the simulator used to build: {@code data} first, then
 * {@code meta}; each row {@code {"project_id":N,"time":"yyyy-MM-ddTHH:mm:ss+00:00","total":N}}; one row per
 * project and bucket that has any hour with data, projects ascending, buckets in time order.
 */
final class SnqlAnswers {
    static final int DEFAULT_MAX_ENTRIES = 2_048;
    static final long DEFAULT_MAX_BYTES = 32L << 20;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'+00:00'")
            .withZone(ZoneOffset.UTC);
    private static final byte[] OPEN = ascii("{\"data\":[");
    private static final byte[] PROJECT = ascii("{\"project_id\":");
    private static final byte[] TIME_KEY = ascii(",\"time\":\"");
    private static final byte[] TOTAL_KEY = ascii("+00:00\",\"total\":");
    private static final byte[] CLOSE = ascii("],\"meta\":[{\"name\":\"project_id\",\"type\":\"UInt64\"},"
            + "{\"name\":\"time\",\"type\":\"DateTime\"},{\"name\":\"total\",\"type\":\"UInt64\"}]}");
    private static final int ROW_BYTES = 72;

    private final SyntheticData data;
    private final int maxEntries;
    private final long maxBytes;
    private final Map<Key, Body> cache = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<Key, Boolean> askedOnce = new LinkedHashMap<>(64, 0.75f, true);   // keys only, bounded
    private long cachedBytes;

    SnqlAnswers(SyntheticData data, int maxEntries, long maxBytes) {
        this.data = data;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    private record Key(long org, long startSecond, int startNano, long endSecond, int endNano, long granularitySeconds) {
        static Key of(SnqlQuery q) {
            return new Key(q.orgId(), q.start().getEpochSecond(), q.start().getNano(), q.end().getEpochSecond(),
                    q.end().getNano(), q.granularity().toSeconds());
        }
    }

    /**
     * An answer's body: the first {@code length} bytes of {@code bytes} (the array may be longer; it is the buffer
     * the body was written into, not copied to fit). Shared while cached: callers must not change it.
     */
    record Body(byte[] bytes, int length) {
        byte[] toArray() {
            return Arrays.copyOf(bytes, length);
        }
    }

    /** The answer's body; the same one for a query asked more than once, while it is cached. */
    Body body(SnqlQuery query) {
        Key key = Key.of(query);
        synchronized (cache) {
            Body hit = cache.get(key);
            if (hit != null) {
                return hit;
            }
        }
        boolean first;
        synchronized (cache) {
            first = askedOnce.remove(key) == null;
            if (first) {
                askedOnce.put(key, Boolean.TRUE);
                if (askedOnce.size() > maxAskedOnce()) {
                    var eldest = askedOnce.keySet().iterator();
                    eldest.next();
                    eldest.remove();
                }
            }
        }
        Body body = write(data, query);
        if (first) {
            return body;
        }
        synchronized (cache) {
            if (body.bytes().length <= maxBytes && cache.put(key, body) == null) {
                cachedBytes += body.bytes().length;
            }
            var eldest = cache.entrySet().iterator();
            while ((cache.size() > maxEntries || cachedBytes > maxBytes) && eldest.hasNext()) {
                cachedBytes -= eldest.next().getValue().bytes().length;
                eldest.remove();
            }
        }
        return body;
    }

    /** How many keys asked once are remembered: a few times the cache's entries, at ~100 bytes a key. */
    private int maxAskedOnce() {
        return Math.max(64, maxEntries * 8);
    }

    int cachedEntries() {
        synchronized (cache) {
            return cache.size();
        }
    }

    long cachedBytes() {
        synchronized (cache) {
            return cachedBytes;
        }
    }

    /**
     * Computes and serializes the answer to {@code query}; no cache. Each bucket's time is formatted once (every
     * project has the same buckets); each project's id, base volume and the constant part of its hourly hash
     * once, not per row or hour.
     */
    static Body write(SyntheticData data, SnqlQuery query) {
        long org = query.orgId();
        long start = query.start().getEpochSecond();
        int startNano = query.start().getNano();   // buckets are start + k × granularity, so they share it
        long end = query.end().getEpochSecond();
        int endNano = query.end().getNano();
        long bucketHours = query.granularity().toHours();
        List<Long> projects = data.projects(org);
        long buckets = Math.max(0, (end - start) / 3_600 / bucketHours + 1);
        Out out = new Out((int) Math.min(1 << 24, 256 + projects.size() * buckets * ROW_BYTES));
        out.put(OPEN);
        Times times = buckets <= MAX_SHARED_TIMES ? new Times((int) buckets) : null;
        Out head = new Out(64);   // {"project_id":N,"time":"  the same for all of a project's rows
        boolean first = true;
        for (long project : projects) {
            SyntheticData.Series series = data.series(org, project);
            head.size = 0;
            head.put(PROJECT);
            head.decimal(project);
            head.put(TIME_KEY);
            int k = 0;
            for (long bucket = start; before(bucket, startNano, end, endNano); bucket += bucketHours * 3_600, k++) {
                long sum = 0;
                boolean any = false;
                for (int h = 0; h < bucketHours; h++) {
                    long hour = bucket + h * 3_600L;
                    if (!before(hour, startNano, end, endNano)) {
                        break;
                    }
                    long v = series.totalOrMissing(Math.floorDiv(hour, 3_600));
                    if (v != SyntheticData.MISSING) {
                        sum += v;
                        any = true;
                    }
                }
                if (any) {
                    if (!first) {
                        out.put((byte) ',');
                    }
                    first = false;
                    out.put(head.buf, head.size);
                    if (times != null) {
                        times.put(out, k, bucket);   // the time and TOTAL_KEY
                    } else {
                        out.time(bucket);
                        out.put(TOTAL_KEY);
                    }
                    out.decimal(sum);
                    out.put((byte) '}');
                }
            }
        }
        out.put(CLOSE);
        return new Body(out.buf, out.size);
    }

    private static final int MAX_SHARED_TIMES = 1 << 14;

    /** Bucket k's formatted time and {@link #TOTAL_KEY}, written on first use and copied for every later project. */
    private static final class Times {
        private final Out text;
        private int[] end;     // end[k] = where bucket k's text ends in text; 0 = not yet written
        private int[] begin;

        Times(int buckets) {
            text = new Out(buckets * 36);   // yyyy-MM-ddTHH:mm:ss+00:00","total":
            end = new int[Math.max(1, buckets)];
            begin = new int[end.length];
        }

        void put(Out out, int k, long bucket) {
            if (k >= end.length) {
                end = Arrays.copyOf(end, Math.max(end.length * 2, k + 1));
                begin = Arrays.copyOf(begin, end.length);
            }
            if (end[k] == 0) {
                begin[k] = text.size;
                text.time(bucket);
                text.put(TOTAL_KEY);
                end[k] = text.size;
            }
            int n = end[k] - begin[k];
            out.ensure(n);
            System.arraycopy(text.buf, begin[k], out.buf, out.size, n);
            out.size += n;
        }
    }

    /** Whether the instant (second, nano) is before (endSecond, endNano). */
    private static boolean before(long second, int nano, long endSecond, int endNano) {
        return second < endSecond || (second == endSecond && nano < endNano);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A growable byte buffer that writes numbers and times without making strings. */
    private static final class Out {
        private byte[] buf;
        private int size;

        Out(int capacity) {
            buf = new byte[Math.max(64, capacity)];
        }

        void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        void put(byte b) {
            ensure(1);
            buf[size++] = b;
        }

        void put(byte[] b) {
            put(b, b.length);
        }

        void put(byte[] b, int n) {
            ensure(n);
            System.arraycopy(b, 0, buf, size, n);
            size += n;
        }

        void decimal(long v) {
            if (v < 0) {
                put(ascii(Long.toString(v)));   // not produced by the data; kept exact anyway
                return;
            }
            ensure(20);
            int digits = 1;
            for (long x = v / 10; x > 0; x /= 10) {
                digits++;
            }
            for (int i = size + digits - 1; i >= size; i--) {
                buf[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            size += digits;
        }

        /** {@code yyyy-MM-ddTHH:mm:ss} of the epoch second, UTC (the caller writes the offset). */
        void time(long second) {
            long day = Math.floorDiv(second, 86_400);
            int secondOfDay = (int) Math.floorMod(second, 86_400);
            // civil-from-days (proleptic Gregorian), as LocalDate.ofEpochDay does
            long z = day + 719_468;
            long era = Math.floorDiv(z, 146_097);
            long dayOfEra = z - era * 146_097;
            long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
            long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
            long mp = (5 * dayOfYear + 2) / 153;
            int dayOfMonth = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
            int month = (int) (mp < 10 ? mp + 3 : mp - 9);
            long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
            if (year < 1_000 || year > 9_999) {   // yyyy pads and signs such years its own way: let it
                String s = TIME.format(Instant.ofEpochSecond(second));
                put(ascii(s.substring(0, s.length() - "+00:00".length())));
                return;
            }
            ensure(19);
            two((int) (year / 100));
            two((int) (year % 100));
            buf[size++] = '-';
            two(month);
            buf[size++] = '-';
            two(dayOfMonth);
            buf[size++] = 'T';
            two(secondOfDay / 3_600);
            buf[size++] = ':';
            two(secondOfDay / 60 % 60);
            buf[size++] = ':';
            two(secondOfDay % 60);
        }

        private void two(int v) {
            buf[size++] = (byte) ('0' + v / 10);
            buf[size++] = (byte) ('0' + v % 10);
        }

    }
}
