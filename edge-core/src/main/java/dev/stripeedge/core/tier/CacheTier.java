package dev.stripeedge.core.tier;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A cache tier below L0 — Redis, DynamoDB, SQLite — shared by edge instances or durable across
 * restarts. The pipeline asks tiers in order after an L0 miss, promotes a hit to the faster tiers,
 * writes every fill through and sends every invalidation to each tier.
 *
 * <p><b>Contract</b> (checked by {@code TierContract} in edge-testkit):
 *
 * <ul>
 *   <li>Thread-safe; no method blocks its caller: work runs on the tier's own I/O and the future
 *       completes there. A failure completes the future exceptionally; the pipeline applies its own
 *       per-tier timeout and skips a tier that is down.
 *   <li>{@link #get} never returns an entry past its {@link TierEntry#expiresAtMillis()}, even when
 *       the store's own expiry (Redis TTL, DynamoDB TTL) has not run yet.
 *   <li>{@link #invalidate} drops every entry holding any of the ids, and records when: a later
 *       {@link #put} whose fetch started at or before that time (less the tier's clock tolerance)
 *       is refused, because its body may predate the write. This is what keeps a miss racing a
 *       write from storing a stale entry, across instances.
 *   <li>A put replaces an existing entry only when its fetch started later: an older answer never
 *       replaces a newer one.
 * </ul>
 */
public interface CacheTier extends AutoCloseable {

  /** A short name for metrics, logs and {@code Cache-Status}: {@code redis}, {@code sqlite}. */
  String name();

  /** The live entry under {@code key}, or null. */
  CompletableFuture<@Nullable TierEntry> get(String key);

  /** The live entries among {@code keys}, by key; absent keys are left out. */
  CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys);

  /**
   * Stores {@code entry} until its expiry unless an id it holds was invalidated since its fetch
   * started or a newer entry is already stored.
   *
   * @return whether it was stored
   */
  CompletableFuture<Boolean> put(TierEntry entry);

  /**
   * Drops every entry that holds any of {@code ids} and refuses puts of fetches that started before
   * now.
   */
  CompletableFuture<Void> invalidate(Collection<String> ids);

  /**
   * Calls {@code listener} with ids another edge instance invalidated, for tiers shared between
   * instances (so each drops them from its own L0). Tiers that are not shared ignore it.
   */
  default void onRemoteInvalidation(Consumer<Collection<String>> listener) {}

  /**
   * Calls {@code listener} each time a shared tier starts hearing other instances' invalidations
   * again after it could not (its subscription was lost and is back): whatever they invalidated
   * meanwhile never reached {@link #onRemoteInvalidation} listeners, so this edge must treat what
   * it cached before as possibly stale. Tiers that are not shared ignore it.
   */
  default void onBroadcastGap(Runnable listener) {}

  /** Releases connections and threads; the tier answers nothing afterwards. */
  @Override
  void close();
}
