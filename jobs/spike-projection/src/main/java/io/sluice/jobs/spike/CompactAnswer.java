package io.sluice.jobs.spike;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The fast path of {@link HourlyAnswer#rows}: reads the {@code data} of an answer written exactly as Snuba writes
 * it, byte by byte, with no tokenizer. It takes only this shape:
 *
 * <pre>{"data":[{"project_id":N,"time":"yyyy-MM-ddTHH:mm:ss+00:00","total":N},...]...</pre>
 *
 * with no whitespace, keys in that order, numbers of 1 to 18 digits without sign, fraction or leading zero, and a
 * time {@link SnubaTimes#fastEpochSecond} reads (printable ASCII, no escapes). What follows the array (Snuba's
 * {@code meta} and {@code stats}) is checked with Jackson's tokenizer, so a syntax error there still makes the
 * body "not JSON", and a later {@code data} key (which would win) is noticed.
 *
 * <p>Anything else, however small the difference, answers {@code null}: the caller then reads the body with Jackson
 * from the start, which decides what is accepted or refused and with which message. So this path never changes an
 * outcome; it only skips tokenizing the rows of an answer that is in the exact form.
 */
final class CompactAnswer {
    private static final JsonFactory JSON = new JsonFactory();
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final Word OPEN = new Word("{\"data\":[");
    private static final Word PROJECT = new Word("{\"project_id\":");
    private static final Word TIME = new Word(",\"time\":\"");
    private static final Word TOTAL = new Word(",\"total\":");
    private static final Word UTC_END = new Word("+00:00\"");   // Snuba's offset and the closing quote
    private static final int SNUBA_TIME = 25;                     // yyyy-MM-ddTHH:mm:ss+00:00
    private static final byte[] REST_HEAD = ascii("{\"data\":0");   // stands in for the array already read
    private static final int MAX_DIGITS = 18;                      // always within long, as Jackson's INT or LONG
    private static final int MAX_TIME = 32;
    private static final int BYTES_PER_ROW = 64;

    private final byte[] b;
    private final char[] time = new char[MAX_TIME];
    private int at;
    private long number;
    private int dayAt = -1;    // where the last time in Snuba's form began: its "yyyy-MM-ddT" is known valid
    private long dayStart;     // and that day's first epoch second

    private CompactAnswer(byte[] body) {
        this.b = body;
    }

    /** The rows of a body in Snuba's exact form, or {@code null}: read it with Jackson instead. */
    static HourlyRows rows(byte[] body) {
        return new CompactAnswer(body).read();
    }

    private HourlyRows read() {
        if (!skip(OPEN)) {
            return null;
        }
        HourlyRows.Builder rows = HourlyRows.builder(Math.max(16, b.length / BYTES_PER_ROW));
        if (at < b.length && b[at] == ']') {
            at++;
        } else {
            while (true) {
                if (!skip(PROJECT) || !number()) {
                    return null;
                }
                long project = number;
                if (!skip(TIME)) {
                    return null;
                }
                long second = time();
                if (second == SnubaTimes.NOT_FAST || !skip(TOTAL) || !number() || !skip('}')) {
                    return null;
                }
                rows.add(project, second, number);
                if (skip(']')) {
                    break;
                }
                if (!skip(',')) {
                    return null;
                }
            }
        }
        return restIsPlain(b, at) ? rows.build() : null;
    }

    /** An unsigned JSON integer of 1..18 digits into {@link #number}; false for anything else. */
    private boolean number() {
        byte[] in = b;
        int start = at;
        int i = start;
        long v = 0;
        int d;
        while (i < in.length && (d = in[i] - '0') >= 0 && d <= 9) {
            v = v * 10 + d;
            i++;
        }
        int digits = i - start;
        if (digits == 0 || digits > MAX_DIGITS || (digits > 1 && in[start] == '0')) {
            return false;
        }
        at = i;
        number = v;
        return true;
    }

    /**
     * The time string's epoch second, the cursor after its closing quote; {@link SnubaTimes#NOT_FAST} if not plain.
     * A time in Snuba's form on the same day as the last one (most rows: each project's hours come in order) only
     * has its hour, minute and second read; the rest goes through {@link SnubaTimes#fastEpochSecond}.
     */
    private long time() {
        byte[] in = b;
        int i = at;
        if (dayAt >= 0 && i + SNUBA_TIME + 1 <= in.length
                && (long) LONG.get(in, i) == (long) LONG.get(in, dayAt)
                && (long) LONG.get(in, i + 3) == (long) LONG.get(in, dayAt + 3)      // yyyy-MM-ddT, as the last one
                && in[i + 13] == ':' && in[i + 16] == ':' && UTC_END.at(in, i + 19)) {
            int hour = two(in, i + 11);
            int minute = two(in, i + 14);
            int second = two(in, i + 17);
            if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
                at = i + SNUBA_TIME + 1;
                return dayStart + hour * 3_600L + minute * 60L + second;
            }
        }
        char[] out = time;
        int end = Math.min(in.length, i + MAX_TIME);
        for (int len = 0, j = i; j < end; j++) {
            byte c = in[j];
            if (c == '"') {
                long epochSecond = SnubaTimes.fastEpochSecond(out, 0, len);
                if (epochSecond != SnubaTimes.NOT_FAST && len == SNUBA_TIME && UTC_END.at(in, i + 19)) {
                    dayAt = i;
                    dayStart = Math.floorDiv(epochSecond, 86_400L) * 86_400L;
                }
                at = j + 1;
                return epochSecond;
            }
            if (c < 0x20 || c > 0x7e || c == '\\') {
                return SnubaTimes.NOT_FAST;
            }
            out[len++] = (char) c;
        }
        return SnubaTimes.NOT_FAST;
    }

    /** Two ASCII digits' value, or -1. */
    private static int two(byte[] in, int i) {
        int tens = in[i] - '0';
        int ones = in[i + 1] - '0';
        return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
    }

    private boolean skip(Word expected) {
        if (!expected.at(b, at)) {
            return false;
        }
        at += expected.length;
        return true;
    }

    /** A constant of 4 to 16 ASCII bytes, compared as two overlapping ints or longs rather than byte by byte. */
    private static final class Word {
        final int length;
        private final long head;
        private final long tail;

        Word(String text) {
            byte[] bytes = ascii(text);
            length = bytes.length;
            if (length < 4 || length > 16) {
                throw new IllegalArgumentException(text);
            }
            head = length >= 8 ? (long) LONG.get(bytes, 0) : (int) INT.get(bytes, 0);
            tail = length >= 8 ? (long) LONG.get(bytes, length - 8) : (int) INT.get(bytes, length - 4);
        }

        boolean at(byte[] in, int i) {
            if (i < 0 || i + length > in.length) {
                return false;
            }
            return length >= 8
                    ? (long) LONG.get(in, i) == head && (long) LONG.get(in, i + length - 8) == tail
                    : (int) INT.get(in, i) == head && (int) INT.get(in, i + length - 4) == tail;
        }
    }

    private boolean skip(char c) {
        if (at < b.length && b[at] == c) {
            at++;
            return true;
        }
        return false;
    }

    /**
     * Whether {@code body[from..]}, the rest of the root object after the data array, is valid JSON with no other
     * {@code data} key, read as the full path reads it: up to the root's closing brace, nothing after it.
     */
    static boolean restIsPlain(byte[] body, int from) {
        byte[] rest = Arrays.copyOf(REST_HEAD, REST_HEAD.length + body.length - from);   // a few hundred bytes
        System.arraycopy(body, from, rest, REST_HEAD.length, body.length - from);
        try (JsonParser p = JSON.createParser(rest)) {
            p.nextToken();   // {
            p.nextToken();   // "data"
            p.nextToken();   // 0
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                if ("data".equals(p.currentName())) {
                    return false;
                }
                p.nextToken();
                p.skipChildren();
            }
            return t == JsonToken.END_OBJECT;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
