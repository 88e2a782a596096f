package io.sluice.orgs;

import io.sluice.config.ConfigException;

import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/** Every id in {@code [first, last]}, from {@code --orgs-range A..B}. */
public final class RangeOrgSource implements OrgSource {
    public static final String FLAG = "--orgs-range";
    private final long first;
    private final long last;

    public RangeOrgSource(long first, long last) {
        if (first <= 0) {
            throw new ConfigException(FLAG, FLAG + ": the first org id " + first + " must be positive; e.g. 1..1000");
        }
        if (first > last) {
            throw new ConfigException(FLAG, FLAG + ": " + first + ".." + last + " is empty; the first id must not exceed the last, e.g. 1..1000");
        }
        this.first = first;
        this.last = last;
    }

    /** Parses {@code A..B}, both positive whole numbers, A ≤ B. */
    public static RangeOrgSource parse(String text) {
        String s = text == null ? "" : text.trim();
        int dots = s.indexOf("..");
        if (dots < 0) {
            throw new ConfigException(FLAG, FLAG + ": '" + text + "' is not a range; valid: A..B with positive whole numbers, e.g. 1..1000");
        }
        try {
            return new RangeOrgSource(Long.parseLong(s.substring(0, dots).trim()), Long.parseLong(s.substring(dots + 2).trim()));
        } catch (NumberFormatException e) {
            throw new ConfigException(FLAG, FLAG + ": '" + text + "' is not a range; valid: A..B with positive whole numbers, e.g. 1..1000");
        }
    }

    @Override
    public PrimitiveIterator.OfLong ids() {
        return new PrimitiveIterator.OfLong() {
            private long next = first;
            private boolean done;

            @Override
            public boolean hasNext() {
                return !done;
            }

            @Override
            public long nextLong() {
                if (done) {
                    throw new NoSuchElementException();
                }
                long id = next;
                if (id == last) {
                    done = true;   // no overflow at Long.MAX_VALUE
                } else {
                    next++;
                }
                return id;
            }
        };
    }

    @Override
    public boolean readEagerly() {
        return true;
    }

    @Override
    public String describe() {
        return "orgs-range " + first + ".." + last;
    }

    @Override
    public void close() {
    }
}
