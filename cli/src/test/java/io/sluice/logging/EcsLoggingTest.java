package io.sluice.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EcsLoggingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void logEventsCarryEcsFieldNames() throws Exception {
        LoggerContext ctx = new LoggerContext();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("io.sluice.worker.Worker"), Level.WARN, "lease {} lost",
                new IllegalStateException("renewal late"), new Object[] {"L1"});
        e.setTimeStamp(Instant.parse("2026-11-28T12:00:00.123Z").toEpochMilli());
        e.setThreadName("sluice-poll");
        e.setMDCPropertyMap(Map.of("run.id", "r-1"));
        JsonNode n = JSON.readTree(new EcsEncoder().encode(e));
        assertThat(n.path("@timestamp").asText()).isEqualTo("2026-11-28T12:00:00.123Z");
        assertThat(n.path("log.level").asText()).isEqualTo("WARN");
        assertThat(n.path("message").asText()).isEqualTo("lease L1 lost");
        assertThat(n.path("log.logger").asText()).isEqualTo("io.sluice.worker.Worker");
        assertThat(n.path("process.thread.name").asText()).isEqualTo("sluice-poll");
        assertThat(n.path("ecs.version").asText()).isEqualTo(EcsEncoder.ECS_VERSION);
        assertThat(n.path("error.type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(n.path("error.message").asText()).isEqualTo("renewal late");
        assertThat(n.path("error.stack_trace").asText()).contains("EcsLoggingTest");
        assertThat(n.path("run.id").asText()).isEqualTo("r-1");
    }

    @Test
    void stderrLinesBecomeJsonObjects() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Clock clock = Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC);
        try (PrintStream err = new PrintStream(new JsonErrorStream(new PrintStream(buf, true, StandardCharsets.UTF_8), clock),
                true, StandardCharsets.UTF_8)) {
            err.println("error: unknown key 'slots.limt' in c.yaml; did you mean 'slots.limit'?");
            err.println("warning: no /metrics on 0.0.0.0:9400: in use");
            err.print("Usage: sluice worker\n\n");
        }
        var lines = buf.toString(StandardCharsets.UTF_8).lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception x) {
                throw new AssertionError("not JSON: " + l, x);
            }
        }).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).path("log.level").asText()).isEqualTo("ERROR");
        assertThat(lines.get(0).path("message").asText()).isEqualTo("unknown key 'slots.limt' in c.yaml; did you mean 'slots.limit'?");
        assertThat(lines.get(0).path("@timestamp").asText()).isEqualTo("2026-11-28T12:00:00Z");
        assertThat(lines.get(1).path("log.level").asText()).isEqualTo("WARN");
        assertThat(lines.get(2).path("message").asText()).isEqualTo("Usage: sluice worker");
    }
}
