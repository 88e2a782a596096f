package io.sluice.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlotPoolConfigTest {

    @Test
    void defaultsAreValid() {
        SlotPoolConfig c = SlotPoolConfig.builder("snuba.spikes").build();
        assertThat(c.limit()).isEqualTo(50);
        assertThat(c.leaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.renewEvery()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.toBuilder().limit(7).build().limit()).isEqualTo(7);
    }

    @Test
    void messagesNameTheKey() {
        assertThatThrownBy(() -> SlotPoolConfig.builder("p").limit(0).build())
                .hasMessageContaining("slots.limit must be >= 1, was 0");
        assertThatThrownBy(() -> SlotPoolConfig.builder(" ").build()).hasMessageContaining("slots.pool");
        assertThatThrownBy(() -> SlotPoolConfig.builder("a{b}").build()).hasMessageContaining("slots.pool")
                .hasMessageContaining("hash tag");
        assertThatThrownBy(() -> SlotPoolConfig.builder("p").renewEvery(Duration.ofSeconds(30)).build())
                .hasMessageContaining("slots.renew-every").hasMessageContaining("slots.lease-ttl");
        assertThatThrownBy(() -> SlotPoolConfig.builder("p").leaseTtl(Duration.ofMillis(5)).renewEvery(Duration.ofMillis(2)).build())
                .hasMessageContaining("slots.lease-ttl must be >= 100ms");
        assertThatThrownBy(() -> SlotPoolConfig.builder("p").commandTimeout(Duration.ZERO).build())
                .hasMessageContaining("slots.command-timeout");
        assertThatThrownBy(() -> SlotPoolConfig.builder("p").ticketTtl(Duration.ofMillis(1)).build())
                .hasMessageContaining("slots.ticket-ttl");
        assertThatThrownBy(() -> SlotPoolConfig.builder("p").fallbackWake(Duration.ofMillis(1)).build())
                .hasMessageContaining("slots.fallback-wake");
    }
}
