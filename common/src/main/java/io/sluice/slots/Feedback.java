package io.sluice.slots;

/**
 * What the downstream answered one query that held a slot, for the adaptive limit
 * ({@link SlotPool#observe}). {@code threshold} and {@code used} are the downstream's own numbers
 * when it gives them (Snuba's concurrent allocation policy: {@code rejection_threshold} and
 * {@code quota_used}, this query included), else 0.
 */
public record Feedback(boolean rateLimited, int threshold, int used) {
    public static Feedback ok() {
        return new Feedback(false, 0, 0);
    }

    public static Feedback limited() {
        return new Feedback(true, 0, 0);
    }

    public boolean hasNumbers() {
        return threshold > 0;
    }

    /**
     * Feedback from a Snuba answer's body: its concurrent policy's {@code rejection_threshold} and
     * {@code quota_used} (in {@code stats.quota_allowance} of a success, in {@code quota_allowance}
     * of a 429), 0 where absent. Both sit at the end of the body, so only its last
     * {@value #TAIL} bytes are scanned: the rows before them are never parsed twice.
     */
    public static Feedback fromSnuba(boolean rateLimited, byte[] body) {
        int from = Math.max(0, body.length - TAIL);
        int threshold = intAfter(body, from, REJECTION_THRESHOLD);
        int used = threshold > 0 ? intAfter(body, from, QUOTA_USED) : 0;
        return new Feedback(rateLimited, threshold, Math.max(0, used));
    }

    private static final int TAIL = 2048;
    private static final byte[] REJECTION_THRESHOLD = "\"rejection_threshold\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] QUOTA_USED = "\"quota_used\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The non-negative integer right after the last {@code key} in body[from..], or 0. */
    private static int intAfter(byte[] body, int from, byte[] key) {
        outer:
        for (int i = body.length - key.length; i >= from; i--) {
            for (int k = 0; k < key.length; k++) {
                if (body[i + k] != key[k]) {
                    continue outer;
                }
            }
            long v = 0;
            int j = i + key.length;
            while (j < body.length && body[j] == ' ') {
                j++;
            }
            int digits = 0;
            while (j < body.length && body[j] >= '0' && body[j] <= '9' && digits < 9) {
                v = v * 10 + (body[j++] - '0');
                digits++;
            }
            return digits == 0 ? 0 : (int) v;
        }
        return 0;
    }
}
