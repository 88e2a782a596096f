package io.sluice.orgs;

import io.sluice.config.ConfigException;

import java.util.Arrays;
import java.util.PrimitiveIterator;

/**
 * The sorted, deduplicated org ids of a run, plus how many the source yielded and how many of
 * those were duplicates. A {@code long[]} of 10 million ids is 80 MB; the source itself streams.
 */
public record OrgList(long[] ids, long read, long dropped) {

    /** Drains {@code source} (without closing it). An empty source is a usage error. */
    public static OrgList read(OrgSource source) {
        long[] buf = new long[1024];
        int n = 0;
        PrimitiveIterator.OfLong it = source.ids();
        while (it.hasNext()) {
            if (n == buf.length) {
                if (buf.length == Integer.MAX_VALUE - 8) {
                    throw new ConfigException("orgs", source.describe() + " yields more than " + n + " ids; split the run");
                }
                buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8L, buf.length * 2L));
            }
            buf[n++] = it.nextLong();
        }
        if (n == 0) {
            throw new ConfigException("orgs", source.describe() + " yielded no org ids; nothing to run");
        }
        Arrays.sort(buf, 0, n);
        int unique = 1;
        for (int i = 1; i < n; i++) {
            if (buf[i] != buf[unique - 1]) {
                buf[unique++] = buf[i];
            }
        }
        return new OrgList(Arrays.copyOf(buf, unique), n, n - unique);
    }

    public static OrgList of(long... ids) {
        long[] copy = ids.clone();
        Arrays.sort(copy);
        long[] unique = Arrays.stream(copy).distinct().toArray();
        return new OrgList(unique, ids.length, ids.length - unique.length);
    }

    public int size() {
        return ids.length;
    }
}
