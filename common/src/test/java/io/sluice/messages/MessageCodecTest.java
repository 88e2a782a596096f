package io.sluice.messages;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bad-input matrix at the codec: every malformed batch is a {@link PoisonRecordException} whose
 * message names the field and what was wrong (it becomes the dead letter's {@code sluice.dlt.error}),
 * never another exception that could crash the poll loop.
 */
class MessageCodecTest {
    private static final String WINDOW = "\"window\":{\"start\":\"2026-11-21T00:00:00Z\",\"end\":\"2026-11-28T00:00:00Z\"}";

    private static String batch(String v, String orgIds) {
        return "{\"v\":" + v + ",\"job\":\"spike-projection\",\"runId\":\"r-1\",\"seq\":3,\"orgIds\":" + orgIds + "," + WINDOW
                + ",\"publishedAt\":\"2026-11-28T12:00:34.120Z\"}";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> poison() {
        String thousandAndOne = LongStream.rangeClosed(1, 1_001).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
        return Stream.of(
                Arguments.of("not JSON", "this is not json", "not valid JSON"),
                Arguments.of("truncated JSON", batch("1", "[1,2").substring(0, 40), "not valid JSON"),
                Arguments.of("empty value", "", "not a JSON object"),
                Arguments.of("a JSON array", "[1,2,3]", "not a JSON object"),
                Arguments.of("a JSON string", "\"hello\"", "not a JSON object"),
                Arguments.of("v = 2", batch("2", "[1]"), "unsupported v=2"),
                Arguments.of("v = 0", batch("0", "[1]"), "unsupported v=0"),
                Arguments.of("v as a string", batch("\"1\"", "[1]"), "field 'v'"),
                Arguments.of("v missing", batch("1", "[1]").replace("\"v\":1,", ""), "field 'v'"),
                Arguments.of("a job name that is not one", batch("1", "[1]").replace("spike-projection", "Spike Projection"), "field 'job' = 'Spike Projection' is not a job name"),
                Arguments.of("runId a number", batch("1", "[1]").replace("\"r-1\"", "42"), "field 'runId'"),
                Arguments.of("seq a string", batch("1", "[1]").replace("\"seq\":3", "\"seq\":\"3\""), "field 'seq'"),
                Arguments.of("orgIds missing", batch("1", "[1]").replace("\"orgIds\":[1],", ""), "field 'orgIds' is missing"),
                Arguments.of("orgIds an object", batch("1", "{\"a\":1}"), "field 'orgIds' is missing or not an array"),
                Arguments.of("orgIds a comma string", batch("1", "\"1,2,3\""), "field 'orgIds' is missing or not an array"),
                Arguments.of("orgIds empty", batch("1", "[]"), "field 'orgIds' is empty"),
                Arguments.of("orgIds > 1,000", batch("1", thousandAndOne), "has 1001 ids; at most 1000"),
                Arguments.of("org id negative", batch("1", "[5,-7]"), "orgIds[1] = -7 is not a positive org id"),
                Arguments.of("org id zero", batch("1", "[0]"), "orgIds[0] = 0 is not a positive org id"),
                Arguments.of("org id a string", batch("1", "[5,\"6\"]"), "orgIds[1] = \"6\" is not an integer org id"),
                Arguments.of("org id fractional", batch("1", "[5.5]"), "orgIds[0] = 5.5 is not an integer org id"),
                Arguments.of("org id null", batch("1", "[null]"), "orgIds[0] = null is not an integer org id"),
                Arguments.of("org id beyond long", batch("1", "[92233720368547758070]"), "is not an integer org id"),
                Arguments.of("window missing", batch("1", "[1]").replace(WINDOW + ",", ""), "field 'window'"),
                Arguments.of("window start not ISO", batch("1", "[1]").replace("2026-11-21T00:00:00Z", "yesterday"), "'yesterday' is not an ISO-8601 instant"),
                Arguments.of("window reversed", batch("1", "[1]").replace("2026-11-21T00:00:00Z", "2026-11-29T00:00:00Z"), "is not before window.end"),
                Arguments.of("publishedAt not ISO", batch("1", "[1]").replace("2026-11-28T12:00:34.120Z", "noon"), "field 'publishedAt'"),
                Arguments.of("class not a name", batch("1", "[1]").replace("\"seq\":3", "\"seq\":3,\"class\":\"back fill\""),
                        "field 'class' = 'back fill' is not a slot class name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("poison")
    void aMalformedBatchIsPoisonWithAReasonNamingTheField(String name, String value, String reason) {
        assertThatThrownBy(() -> MessageCodec.decodeBatch(utf8(value)))
                .as(name)
                .isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void aTombstoneIsPoison() {
        assertThatThrownBy(() -> MessageCodec.decodeBatch(null))
                .isInstanceOf(PoisonRecordException.class).hasMessageContaining("tombstone");
    }

    @Test
    void invalidUtf8IsPoisonNotACrash() {
        byte[] bad = {'{', '"', 'v', '"', ':', (byte) 0xC3, (byte) 0x28, '}'};
        assertThatThrownBy(() -> MessageCodec.decodeBatch(bad)).isInstanceOf(PoisonRecordException.class);
    }

    @Test
    void aLongBadValueIsQuotedShortInTheReason() {
        String huge = "\"" + "x".repeat(10_000) + "\"";
        assertThatThrownBy(() -> MessageCodec.decodeBatch(utf8(batch("1", "[1]").replace("\"seq\":3", "\"seq\":" + huge))))
                .isInstanceOf(PoisonRecordException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    /** Decision: a duplicate id is projected once per batch (first occurrence order kept); the result is a keyed upsert anyway. */
    @Test
    void aBatchNamesItsSlotClassOnlyWhenItHasOneAndAV1BatchWithoutOneIsRead() throws Exception {
        Batch v1 = MessageCodec.decodeBatch(utf8(batch("1", "[7]")));
        assertThat(v1.slotClass()).as("a batch from before classes: the worker's own class").isNull();
        assertThat(new String(MessageCodec.encode(v1), StandardCharsets.UTF_8)).doesNotContain("class");
        Batch classed = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-1", 3, java.util.List.of(7L), v1.window(), v1.publishedAt(), "backfill");
        byte[] encoded = MessageCodec.encode(classed);
        assertThat(new String(encoded, StandardCharsets.UTF_8)).contains("\"v\":1", "\"class\":\"backfill\"");
        assertThat(MessageCodec.decodeBatch(encoded)).isEqualTo(classed);
        assertThat(classed.forSingleOrg(7).slotClass()).as("a dead-lettered org keeps its class for the replay").isEqualTo("backfill");
    }

    @Test
    void duplicateOrgIdsAreDeduplicatedKeepingFirstOccurrenceOrder() throws Exception {
        Batch b = MessageCodec.decodeBatch(utf8(batch("1", "[7,5,7,7,5,9]")));
        assertThat(b.orgIds()).containsExactly(7L, 5L, 9L);
    }

    @Test
    void exactlyOneThousandOrgIdsIsStillValid() throws Exception {
        String ids = LongStream.rangeClosed(1, 1_000).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
        assertThat(MessageCodec.decodeBatch(utf8(batch("1", ids))).orgIds()).hasSize(1_000);
    }

    @Test
    void unknownFieldsAreIgnoredAndPublishedAtIsOptional() throws Exception {
        String value = batch("1", "[1]").replace("\"publishedAt\":\"2026-11-28T12:00:34.120Z\"", "\"extra\":{\"nested\":[1,2]},\"note\":\"hi\"");
        Batch b = MessageCodec.decodeBatch(utf8(value));
        assertThat(b.orgIds()).containsExactly(1L);
        assertThat(b.publishedAt()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void whatTheCodecWritesItReadsBack() throws Exception {
        Batch b = new Batch(1, Batch.JOB_SPIKE_PROJECTION, "r-x", 9, List.of(3L, 1L, 2L),
                new Window(Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z")),
                Instant.parse("2026-11-28T12:00:00Z"));
        assertThat(MessageCodec.decodeBatch(MessageCodec.encode(b))).isEqualTo(b);
    }
}
