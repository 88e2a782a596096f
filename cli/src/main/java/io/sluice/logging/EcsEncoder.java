package io.sluice.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per log event, with Elastic Common Schema field names ({@code @timestamp},
 * {@code log.level}, {@code message}, {@code log.logger}, {@code process.thread.name},
 * {@code error.type}/{@code error.message}/{@code error.stack_trace}, {@code service.name},
 * {@code ecs.version}), flat and dotted as ECS loggers write them, so shippers map them without a
 * pipeline. MDC entries are added as they are.
 */
public final class EcsEncoder extends EncoderBase<ILoggingEvent> {
    public static final String ECS_VERSION = "8.11.0";
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] NONE = new byte[0];
    private String serviceName = "sluice";

    public void setServiceName(String serviceName) {
        this.serviceName = serviceName;
    }

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("@timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("log.level", event.getLevel().toString());
            g.writeStringField("message", event.getFormattedMessage());
            g.writeStringField("ecs.version", ECS_VERSION);
            g.writeStringField("service.name", serviceName);
            g.writeStringField("log.logger", event.getLoggerName());
            g.writeStringField("process.thread.name", event.getThreadName());
            IThrowableProxy t = event.getThrowableProxy();
            if (t != null) {
                g.writeStringField("error.type", t.getClassName());
                g.writeStringField("error.message", t.getMessage());
                g.writeStringField("error.stack_trace", ThrowableProxyUtil.asString(t));
            }
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> e : mdc.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
