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
   * Stripe-Edge-Cache: bypass} or {@code Cache-Control: no-store} are bypassed. {@code
   * Cache-Control: no-cache} is not an opt-out: stripe-java's default HTTP client sends it on every
   * request.
   */
  static CacheRule stripe(CacheConfig config) {
    return new DefaultCacheRule(config);
  }
}
