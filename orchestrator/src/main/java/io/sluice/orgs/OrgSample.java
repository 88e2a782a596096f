package io.sluice.orgs;

import io.sluice.config.ConfigException;

import java.util.Arrays;
import java.util.Locale;

/**
 * A stable, hash-based subset of orgs for canary runs ({@code --orgs-sample 10%}). An org is in a
 * sample of p % when a fixed 64-bit mix of its id, taken modulo 1,000,000, is below p × 10,000.
 * The hash depends on nothing but the id, so a sample is the same on every run and every host,
 * and a smaller sample is always inside a larger one (10 % ⊂ 50 % ⊂ 100 %).
 */
public record OrgSample(long partsPerMillion) {
    public static final String FLAG = "--orgs-sample";
    public static final OrgSample ALL = new OrgSample(1_000_000);

    public static OrgSample parse(String text) {
        String s = text == null ? "" : text.trim();
        String digits = s.endsWith("%") ? s.substring(0, s.length() - 1).trim() : s;
        double pct;
        try {
            pct = Double.parseDouble(digits);
        } catch (NumberFormatException e) {
            throw new ConfigException(FLAG, FLAG + ": '" + text + "' is not a percentage; valid: 0.01% to 100%, e.g. 10%");
        }
        if (!s.endsWith("%") || !(pct > 0) || pct > 100) {
            throw new ConfigException(FLAG, FLAG + ": '" + text + "' is not a percentage in (0%, 100%]; valid e.g. 10%, 50%, 100%");
        }
        return new OrgSample(Math.round(pct * 10_000));
    }

    public boolean includes(long orgId) {
        return Long.remainderUnsigned(mix(orgId), 1_000_000) < partsPerMillion;
    }

    /** The ids of {@code orgs} in this sample (the counts of read and dropped stay the source's). */
    public OrgList apply(OrgList orgs) {
        if (partsPerMillion >= 1_000_000) {
            return orgs;
        }
        long[] kept = Arrays.stream(orgs.ids()).filter(this::includes).toArray();
        if (kept.length == 0) {
            throw new ConfigException(FLAG, FLAG + " " + this + " of " + orgs.size() + " orgs selects none; nothing to run");
        }
        return new OrgList(kept, orgs.read(), orgs.dropped());
    }

    /** SplitMix64's finalizer: every input bit affects every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s%%", Double.toString(partsPerMillion / 10_000.0).replaceAll("\\.0$", ""));
    }
}
