package io.sluice.slots;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code sluice slots create | apply} declares of a pool: its limit and its classes. Stored in
 * Redis with the pool's state as one line, {@code limit=N[;class=NAME,SHARE,LENDABLE,BORROW]...}
 * ({@link #encode()}), so that it is lost with the leases and restored by the clients that saw it.
 */
public record PoolDeclaration(String pool, int limit, List<PoolClass> classes) {

    public PoolDeclaration {
        Objects.requireNonNull(pool, "pool");
        if (limit < 1) {
            throw new IllegalArgumentException("pool " + pool + ": --limit must be >= 1, was " + limit);
        }
        classes = List.copyOf(classes);
        Set<String> names = new HashSet<>();
        int seats = 0;
        for (PoolClass c : classes) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("pool " + pool + ": class " + c.name() + " is declared twice");
            }
            seats += c.nominalSeats(limit);
        }
        if (seats > limit) {
            throw new IllegalArgumentException("pool " + pool + ": the classes' shares add up to " + seats
                    + " seats, more than the limit " + limit);
        }
    }

    /**
     * One class: {@code share} seats of the limit (or percent of it with {@code percent}), of which
     * {@code lendablePercent} others may borrow while it is idle; it may itself borrow up to
     * {@code borrowLimitPercent} of its nominal seats from others' lendable seats.
     */
    public record PoolClass(String name, int share, boolean percent, int lendablePercent, int borrowLimitPercent) {
        /** {@code borrowLimitPercent} when none was given: the class may borrow every idle seat of the pool. */
        public static final int NO_BORROW_LIMIT = -1;

        public PoolClass {
            if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("class name '" + name + "' must be letters, digits, '_', '.' or '-'");
            }
            if (share < 1 || (percent && share > 100)) {
                throw new IllegalArgumentException("class " + name + ": share must be >= 1 seat or 1..100%, was " + share
                        + (percent ? "%" : ""));
            }
            if (lendablePercent < 0 || lendablePercent > 100) {
                throw new IllegalArgumentException("class " + name + ": lendable must be 0..100%, was " + lendablePercent + "%");
            }
            if (borrowLimitPercent < NO_BORROW_LIMIT) {
                throw new IllegalArgumentException("class " + name + ": borrow-limit must be >= 0%, was " + borrowLimitPercent + "%");
            }
        }

        /** Seats of a pool whose limit is {@code limit}: percent shares round down, at least 1. */
        public int nominalSeats(int limit) {
            return percent ? Math.max(1, (int) ((long) limit * share / 100)) : share;
        }

        /**
         * {@code NAME:SHARE[%][:LENDABLE%][:BORROW-LIMIT%]}, e.g. {@code live:40:0%}, {@code backfill:20%:100%:0%}.
         * Lendable defaults to 0 %; without a borrowing limit the class may borrow every idle seat of the pool.
         */
        public static PoolClass parse(String spec) {
            String[] p = spec.split(":", -1);
            if (p.length < 2 || p.length > 4) {
                throw new IllegalArgumentException("--class '" + spec + "' must be NAME:SHARE[:LENDABLE%][:BORROW-LIMIT%], "
                        + "e.g. live:40 or backfill:20%:100%:0%");
            }
            boolean percent = p[1].endsWith("%");
            int share = number(spec, "share", percent ? p[1].substring(0, p[1].length() - 1) : p[1]);
            int lendable = p.length > 2 ? percent(spec, "lendable", p[2]) : 0;
            int borrow = p.length > 3 ? percent(spec, "borrow-limit", p[3]) : NO_BORROW_LIMIT;
            return new PoolClass(p[0], share, percent, lendable, borrow);
        }

        /** The form {@link #parse} reads. */
        public String spec() {
            return name + ":" + share + (percent ? "%" : "") + ":" + lendablePercent + "%"
                    + (borrowLimitPercent == NO_BORROW_LIMIT ? "" : ":" + borrowLimitPercent + "%");
        }

        private static int percent(String spec, String what, String value) {
            return number(spec, what, value.endsWith("%") ? value.substring(0, value.length() - 1) : value);
        }

        private static int number(String spec, String what, String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--class '" + spec + "': " + what + " '" + value + "' is not a whole number");
            }
        }
    }

    /** The stored form. */
    public String encode() {
        StringBuilder b = new StringBuilder("limit=").append(limit);
        for (PoolClass c : classes) {
            b.append(";class=").append(c.name()).append(',').append(c.share()).append(c.percent() ? "%" : "")
                    .append(',').append(c.lendablePercent()).append(',').append(c.borrowLimitPercent());
        }
        return b.toString();
    }

    /** Reads {@link #encode()}'s form back. */
    public static PoolDeclaration decode(String pool, String text) {
        int limit = 0;
        List<PoolClass> classes = new ArrayList<>();
        for (String part : text.split(";")) {
            if (part.startsWith("limit=")) {
                limit = Integer.parseInt(part.substring(6));
            } else if (part.startsWith("class=")) {
                String[] f = part.substring(6).split(",");
                boolean percent = f[1].endsWith("%");
                classes.add(new PoolClass(f[0], Integer.parseInt(percent ? f[1].substring(0, f[1].length() - 1) : f[1]),
                        percent, Integer.parseInt(f[2]), Integer.parseInt(f[3])));
            } else {
                throw new IllegalArgumentException("pool " + pool + ": unreadable declaration '" + text + "'");
            }
        }
        return new PoolDeclaration(pool, limit, classes);
    }
}
