package io.sluice.snuba;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link SnubaResponses#rows}: reads the {@code data} of an answer written exactly as Snuba writes
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
    private static final byte[] OPEN = ascii("{\"data\":[");
    private static final byte[] PROJECT = ascii("{\"project_id\":");
    private static final byte[] TIME = ascii(",\"time\":\"");
    private static final byte[] TOTAL = ascii(",\"total\":");
    private static final byte[] REST_HEAD = ascii("{\"data\":0");   // stands in for the array already read
    private static final int MAX_DIGITS = 18;                      // always within long, as Jackson's INT or LONG
    private static final int MAX_TIME = 32;
    private static final int BYTES_PER_ROW = 64;

    private final byte[] b;
    private final char[] time = new char[MAX_TIME];
    private int at;
    private long number;

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

    /** The time string's epoch second, the cursor after its closing quote; {@link SnubaTimes#NOT_FAST} if not plain. */
    private long time() {
        byte[] in = b;
        char[] out = time;
        int i = at;
        int end = Math.min(in.length, i + MAX_TIME);
        int len = 0;
        while (i < end) {
            byte c = in[i++];
            if (c == '"') {
                at = i;
                return SnubaTimes.fastEpochSecond(out, 0, len);
            }
            if (c < 0x20 || c > 0x7e || c == '\\') {
                return SnubaTimes.NOT_FAST;
            }
            out[len++] = (char) c;
        }
        return SnubaTimes.NOT_FAST;
    }

    private boolean skip(byte[] expected) {
        int end = at + expected.length;
        if (end > b.length || !Arrays.equals(b, at, end, expected, 0, expected.length)) {
            return false;
        }
        at = end;
        return true;
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
        var in = new SequenceInputStream(new ByteArrayInputStream(REST_HEAD),
                new ByteArrayInputStream(body, from, body.length - from));
        try (JsonParser p = JSON.createParser(in)) {
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
