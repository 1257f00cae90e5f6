package dev.stripeedge.core.spi;

import dev.stripeedge.core.queue.WriteStatusBoard;
import dev.stripeedge.core.webhooks.EventStore;
import org.jspecify.annotations.Nullable;

/**
 * Where the webhook ledger, the reconciliation cursor and the forwarding outbox are kept ({@code
 * store.backend} in configuration, its settings in {@code store.<name>}). A shared backend (Redis,
 * DynamoDB) lets several edges dedupe, apply and forward each event once.
 *
 * @param <S> its settings
 */
public interface EventStoreBackend<S> extends Backend<S> {

  /** Opens (creates) the store; the caller closes it. */
  EventStore open(S settings, StoreContext context);

  /**
   * The secret that hashes API keys into cache keys, kept by this store so cache keys stay the same
   * across restarts (and, in a shared store, across edges); created on first use.
   */
  byte[] cacheKeySecret(S settings, StoreContext context);

  /**
   * Where edges sharing a write queue share their writes' statuses, opened (the caller closes it);
   * null when this store is not shared by edges (the default).
   */
  default @Nullable WriteStatusBoard writeStatusBoard(S settings, StoreContext context) {
    return null;
  }

  /** Chosen by {@code store.backend}, not switched on by its own settings. */
  @Override
  default boolean enabled(S settings) {
    return true;
  }
}
