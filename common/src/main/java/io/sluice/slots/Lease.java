package io.sluice.slots;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One granted slot. Its {@link #id()} names the owner and this client, so only a lease's holder
 * can release or renew it. The pool renews it every {@code slots.renew-every} while it is held.
 */
public interface Lease {

    /** The pool-unique lease id, {@code owner|clientId|n|grantedAtMs}. */
    String id();

    String owner();

    String pool();

    /** When Redis will let the lease lapse unless it is renewed (Redis clock). */
    Instant expiresAt();

    /**
     * Completes when the holder can no longer be sure it holds the slot: the pool reports the
     * lease gone, or no renewal succeeded before the holder-side deadline. Whoever runs work
     * under the lease must stop it then; the slot is not given back (the downstream may still run the
     * query), it lapses in Redis at its expiry. Never completes for a lease released normally, nor once
     * the lease was handed to {@link SlotPool#releaseAfter}.
     */
    CompletableFuture<LeaseLoss> lost();
}
