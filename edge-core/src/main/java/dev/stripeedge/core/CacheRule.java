package dev.stripeedge.core;

import dev.stripeedge.core.internal.DefaultCacheRule;

/**
 * Decides whether a request may be answered from, and stored in, the cache.
 *
 * <p>A pure function: implementations are thread-safe, never block and never throw for a request
 * they do not understand (they bypass it).
 */
@FunctionalInterface
public interface CacheRule {

  /** The decision for {@code request}, whose path classified as {@code route}. */
  CacheDecision decide(EdgeRequest request, Route route);

  /**
   * Stripe's rules with {@code config}'s TTLs: GET retrieves are cached; lists and searches only
   * when opted in; events, balance, v2, anything but GET, and requests that say {@code
   * Cache-Control: no-cache} or {@code no-store} are bypassed.
   */
  static CacheRule stripe(CacheConfig config) {
    return new DefaultCacheRule(config);
  }
}
