package io.sluice.slots.internal;

/**
 * The shapes of queue and lease members. The owner comes first and may contain anything; the
 * fields after it never contain {@code |}, so members are parsed from the right.
 * <pre>
 * lease  owner|clientId|n|t0              (leases member; fixed by the request, so a re-sent acquire finds its grant)
 * ticket owner|clientId|n|t0|leaseTtlMs   (queue member: the hand-off writes the lease from it)
 * </pre>
 * {@code t0} is this client's estimate of Redis time when the request was made (display age only).
 */
final class LeaseIds {
    private LeaseIds() {}

    static String id(String owner, String clientId, long n, long t0) {
        return owner + '|' + clientId + '|' + n + '|' + t0;
    }

    static String ticket(String leaseId, long leaseTtlMs) {
        return leaseId + '|' + leaseTtlMs;
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
