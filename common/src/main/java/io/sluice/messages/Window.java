package io.sluice.messages;

import java.time.Instant;
import java.util.Objects;

/** A half-open UTC time range {@code [start, end)} that a batch's queries cover. */
public record Window(Instant start, Instant end) {
    public Window {
        Objects.requireNonNull(start, "window.start");
        Objects.requireNonNull(end, "window.end");
        if (!start.isBefore(end)) {
            throw new IllegalArgumentException("window.start " + start + " must be before window.end " + end);
        }
    }
}
