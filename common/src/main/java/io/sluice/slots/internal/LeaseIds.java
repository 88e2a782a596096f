package io.sluice.slots.internal;

/**
 * The shapes of queue and lease members. The owner comes first and may contain anything; the
 * fields after it never contain {@code |}, so members are parsed from the right.
 * <pre>
 * base   owner|clientId|n
 * ticket owner|clientId|n|leaseTtlMs      (queue member: the hand-off builds the lease from it)
 * lease  owner|clientId|n|grantedAtMs     (leases member)
 * </pre>
 */
final class LeaseIds {
    private LeaseIds() {}

    static String base(String owner, String clientId, long n) {
        return owner + '|' + clientId + '|' + n;
    }

    static String ticket(String base, long leaseTtlMs) {
        return base + '|' + leaseTtlMs;
    }

    static Parsed parse(String leaseId) {
        int c = leaseId.lastIndexOf('|');
        int b = c < 0 ? -1 : leaseId.lastIndexOf('|', c - 1);
        int a = b < 0 ? -1 : leaseId.lastIndexOf('|', b - 1);
        if (a < 0) {
            throw new IllegalArgumentException("lease id '" + leaseId + "' is not owner|clientId|n|grantedAtMs");
        }
        try {
            return new Parsed(leaseId.substring(0, a), leaseId.substring(a + 1, b),
                    Long.parseLong(leaseId.substring(b + 1, c)), Long.parseLong(leaseId.substring(c + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lease id '" + leaseId + "' is not owner|clientId|n|grantedAtMs", e);
        }
    }

    record Parsed(String owner, String clientId, long n, long grantedAtMs) {}
}
