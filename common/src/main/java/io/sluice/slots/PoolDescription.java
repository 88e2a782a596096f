package io.sluice.slots;

import java.time.Duration;

/**
 * A declared pool as Redis holds it: its declaration, and whether it was in use before declarations
 * existed ({@code predeclared}: then the declaration is its live limit alone, until an {@code apply}).
 */
public record PoolDescription(PoolDeclaration declaration, boolean predeclared, int liveLimit, Duration fencedFor) {
}
