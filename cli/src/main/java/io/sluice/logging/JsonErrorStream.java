package io.sluice.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * In JSON log mode, what commands print to stderr ({@code error: ...} lines, usage errors, warnings)
 * becomes one ECS JSON object per line like the log events, so a shipper never meets plain text.
 * {@code error: } lines are ERROR, {@code warning: } lines WARN, anything else ERROR.
 */
public final class JsonErrorStream extends OutputStream {
    private static final JsonFactory JSON = new JsonFactory();
    private final PrintStream target;
    private final Clock clock;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    public JsonErrorStream(PrintStream target, Clock clock) {
        this.target = target;
        this.clock = clock;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else {
            line.write(b);
        }
    }

    @Override
    public synchronized void flush() {
        target.flush();
    }

    @Override
    public synchronized void close() {
        if (line.size() > 0) emit();
        target.flush();
    }

    private void emit() {
        String text = line.toString(StandardCharsets.UTF_8).stripTrailing();
        line.reset();
        if (text.isEmpty()) {
            return;
        }
        String level = "ERROR";
        if (text.startsWith("error: ")) {
            text = text.substring("error: ".length());
        } else if (text.startsWith("warning: ")) {
            level = "WARN";
            text = text.substring("warning: ".length());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("@timestamp", clock.instant().toString());
            g.writeStringField("log.level", level);
            g.writeStringField("message", text);
            g.writeStringField("ecs.version", EcsEncoder.ECS_VERSION);
            g.writeStringField("service.name", "sluice");
            g.writeStringField("log.logger", "sluice.cli");
            g.writeEndObject();
        } catch (IOException e) {
            target.println(text);
            return;
        }
        target.println(out.toString(StandardCharsets.UTF_8));
    }
}
