package dev.stripeedge.core.spi;

import dev.stripeedge.core.webhooks.EventStore;

/**
 * Where the webhook ledger, the reconciliation cursor and the forwarding outbox are kept ({@code
 * store.backend} in configuration).
 */
public interface EventStoreBackend {

  /** The name in configuration, e.g. {@code sqlite}. */
  String name();

  /** Opens (creates) the store; the caller closes it. */
  EventStore open(StoreContext context);

  /**
   * The secret that hashes API keys into cache keys, kept by this store so cache keys stay the same
   * across restarts; created on first use.
   */
  byte[] cacheKeySecret(StoreContext context);
}
