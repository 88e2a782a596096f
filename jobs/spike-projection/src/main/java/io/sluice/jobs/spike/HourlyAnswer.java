package io.sluice.jobs.spike;

import io.sluice.job.BadAnswerException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;

/**
 * Reads the rows of a 200 answer to the hourly-totals query. An answer whose rows lack a field or carry a wrong
 * type is refused ({@link BadAnswerException}): projecting from a partial answer would publish wrong thresholds,
 * while a retry (and finally the dead-letter topic) keeps the org visible. Unknown fields, such as {@code meta},
 * are ignored.
 *
 * <p>An answer in Snuba's exact form is read byte by byte by {@link CompactAnswer} (its rows without a tokenizer); any
 * other is read with Jackson's streaming parser straight into {@link HourlyRows}: no tree, no object per row,
 * no {@code BigDecimal}, and times through {@link SnubaTimes}' arithmetic path. It accepts and refuses exactly
 * what reading the whole tree did: any syntax error anywhere in the body makes it "not JSON" (so the whole body is
 * read, also past a bad row); integers must be JSON integers within {@code long}; a repeated key counts once, the
 * last one. The tree is built only to quote a refused row in the error.
 */
final class HourlyAnswer {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_ECHO = 300;
    private static final int BYTES_PER_ROW = 64;   // {"project_id":1234567,"time":"2026-11-21T00:00:00+00:00","total":1234}

    private HourlyAnswer() {
    }

    static HourlyRows rows(byte[] body) throws BadAnswerException {
        HourlyRows compact = CompactAnswer.rows(body);
        return compact != null ? compact : streamedRows(body);
    }

    /** Every body through Jackson's streaming parser: what {@link #rows} does for one not in {@link CompactAnswer}'s form. */
    static HourlyRows streamedRows(byte[] body) throws BadAnswerException {
        Data data = null;   // the last "data" member of the root object, as the tree would keep it
        try (JsonParser p = MAPPER.createParser(body)) {
            JsonToken root = p.nextToken();
            if (root == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean isData = "data".equals(p.currentName());
                    JsonToken value = p.nextToken();
                    if (isData && value == JsonToken.START_ARRAY) {
                        data = readData(p, Math.max(16, body.length / BYTES_PER_ROW));
                    } else {
                        data = isData ? null : data;
                        p.skipChildren();
                    }
                }
            } else if (root != null) {
                p.skipChildren();
            }
        } catch (IOException e) {
            throw new BadAnswerException("not JSON: " + echo(body));
        }
        if (data == null) {
            throw new BadAnswerException("no 'data' array in " + echo(body));
        }
        Data found = data;
        if (found.problem != null) {
            throw new BadAnswerException("data[" + found.problemRow + "]: "
                    + found.problem.describe(found, () -> rowText(body, found.problemRow)));
        }
        return found.rows.build();
    }

    /** Reads the array the parser is at up to its end; the first refused row is noted and the rest only scanned. */
    private static Data readData(JsonParser p, int expectedRows) throws IOException {
        Data d = new Data(HourlyRows.builder(expectedRows));
        int index = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (d.problem != null) {
                p.skipChildren();
            } else if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                d.refuse(index, Problem.PROJECT_ID);
            } else {
                readRow(p, d, index);
            }
            index++;
        }
        return d;
    }

    private static void readRow(JsonParser p, Data d, int index) throws IOException {
        int project = MISSING;
        int time = MISSING;
        int total = MISSING;
        long projectId = 0;
        long second = 0;
        long rowTotal = 0;
        String badTime = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "project_id" -> {
                    project = integral(p, value);
                    projectId = project == OK ? p.getLongValue() : 0;
                }
                case "total" -> {
                    total = integral(p, value);
                    rowTotal = total == OK ? p.getLongValue() : 0;
                }
                case "time" -> {
                    if (value == JsonToken.VALUE_STRING) {
                        try {
                            second = SnubaTimes.epochSecond(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                            time = OK;
                        } catch (DateTimeParseException e) {
                            time = UNPARSEABLE;
                            badTime = p.getText();
                        }
                    } else {
                        time = WRONG;
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (project != OK) {
            d.refuse(index, Problem.PROJECT_ID);
        } else if (time == UNPARSEABLE) {
            d.refuse(index, Problem.TIME_TEXT);
            d.badTime = badTime;
        } else if (time != OK) {
            d.refuse(index, Problem.TIME);
        } else if (total != OK) {
            d.refuse(index, Problem.TOTAL);
        } else if (rowTotal < 0) {
            d.refuse(index, Problem.NEGATIVE);
            d.projectId = projectId;
            d.second = second;
            d.total = rowTotal;
        } else {
            d.rows.add(projectId, second, rowTotal);
        }
    }

    private static final int MISSING = 0;
    private static final int OK = 1;
    private static final int WRONG = 2;
    private static final int UNPARSEABLE = 3;

    /** OK for a JSON integer within {@code long}; WRONG for anything else (a fraction, a string, a bigger number). */
    private static int integral(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            return type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG ? OK : WRONG;
        }
        p.skipChildren();
        return WRONG;
    }

    /** What was wrong with the first refused row, and what its message needs. */
    private static final class Data {
        final HourlyRows.Builder rows;
        Problem problem;
        int problemRow;
        String badTime;
        long projectId;
        long second;
        long total;

        Data(HourlyRows.Builder rows) {
            this.rows = rows;
        }

        void refuse(int index, Problem p) {
            problem = p;
            problemRow = index;
        }
    }

    private enum Problem {
        PROJECT_ID, TIME, TIME_TEXT, TOTAL, NEGATIVE;

        String describe(Data d, Supplier<String> row) {
            return switch (this) {
                case PROJECT_ID -> "'project_id' is missing or not an integer (row " + row.get() + ")";
                case TIME -> "'time' is missing or not a string (row " + row.get() + ")";
                case TIME_TEXT -> "'time' = '" + d.badTime + "' is not an ISO date-time";
                case TOTAL -> "'total' is missing or not an integer (row " + row.get() + ")";
                case NEGATIVE -> HourlyRows.negativeTotal(d.projectId, d.second, d.total);
            };
        }
    }

    /** The refused row as compact JSON, for the error message only: the body is known to be valid JSON by then. */
    private static String rowText(byte[] body, int index) {
        try {
            return String.valueOf(MAPPER.readTree(body).get("data").get(index));
        } catch (IOException | RuntimeException e) {
            return "#" + index;
        }
    }

    private static String echo(byte[] body) {
        if (body.length == 0) {
            return "(empty body)";
        }
        String s = new String(body, StandardCharsets.UTF_8);
        return s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
    }
}
