package io.sluice.ledger;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A frozen plan as text: the sorted org ids as deltas in unsigned LEB128 varints, deflated, in
 * Base64. A million consecutive ids take about 6 KB; a million ids spread over a 2^31 range
 * about 2.4 MB (measured in PlanCodecTest).
 */
public final class PlanCodec {
    private PlanCodec() {
    }

    public static String encode(long[] sortedIds) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(sortedIds.length * 2 + 16);
        writeVarint(raw, sortedIds.length);
        long prev = 0;
        for (long id : sortedIds) {
            if (id < prev) {
                throw new IllegalArgumentException("org ids must be sorted ascending and non-negative");
            }
            writeVarint(raw, id - prev);
            prev = id;
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setInput(raw.toByteArray());
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.size() / 2 + 64);
        byte[] buf = new byte[64 * 1024];
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    public static long[] decode(String text) {
        byte[] compressed = Base64.getDecoder().decode(text);
        Inflater inflater = new Inflater();
        inflater.setInput(compressed);
        ByteArrayOutputStream raw = new ByteArrayOutputStream(compressed.length * 4);
        byte[] buf = new byte[64 * 1024];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("truncated plan");
                }
                raw.write(buf, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("corrupt plan: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        byte[] b = raw.toByteArray();
        int[] pos = {0};
        int n = Math.toIntExact(readVarint(b, pos));
        long[] ids = new long[n];
        long prev = 0;
        for (int i = 0; i < n; i++) {
            prev += readVarint(b, pos);
            ids[i] = prev;
        }
        if (pos[0] != b.length) {
            throw new IllegalArgumentException("corrupt plan: " + (b.length - pos[0]) + " trailing bytes");
        }
        return ids;
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        int shift = 0;
        while (true) {
            if (pos[0] >= b.length || shift > 63) {
                throw new IllegalArgumentException("corrupt plan at byte " + pos[0] + " of " + b.length);
            }
            int x = b[pos[0]++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }
}
