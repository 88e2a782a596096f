package io.sluice.ledger;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanCodecTest {
    @Test
    void roundTripsAMillionIdsCompactly() {
        long[] dense = LongStream.rangeClosed(1, 1_000_000).toArray();
        String d = PlanCodec.encode(dense);
        assertThat(PlanCodec.decode(d)).isEqualTo(dense);
        assertThat(d.length()).isLessThan(20_000);

        long[] sparse = new Random(7).longs(1_000_000, 1, 1L << 31).sorted().distinct().toArray();
        String s = PlanCodec.encode(sparse);
        assertThat(PlanCodec.decode(s)).isEqualTo(sparse);
        assertThat(s.length()).isLessThan(4_000_000);
        System.out.printf("PlanCodec: 1M dense ids -> %,d chars, 1M ids over 2^31 -> %,d chars%n", d.length(), s.length());
    }

    @Test
    void aCorruptPlanIsRefusedNotMisread() {
        String good = PlanCodec.encode(new long[]{1, 5, 9});
        assertThatThrownBy(() -> PlanCodec.decode(good.substring(0, good.length() / 2) + "AAAA"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PlanCodec.encode(new long[]{5, 1})).isInstanceOf(IllegalArgumentException.class);
        assertThat(Arrays.equals(PlanCodec.decode(good), new long[]{1, 5, 9})).isTrue();
    }
}
