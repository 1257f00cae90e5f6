package dev.stripeedge.core;

import dev.stripeedge.core.internal.HmacCacheKeys;

/**
 * Derives {@link CacheKey}s from requests.
 *
 * <p>Thread-safe; never blocks. Two requests share a key only when they would get the same answer
 * from Stripe: the same method, path and query (parameters in any order, {@code expand[]} and
 * {@code expand[0]} alike, expansions in any order), the same {@code Stripe-Account}, {@code
 * Stripe-Context} and {@code Stripe-Version}, and the same API key.
 */
public interface CacheKeys {

  /** The key of {@code request}. */
  CacheKey keyFor(EdgeRequest request);

  /**
   * Keys whose API-key part is HMAC-SHA256 under {@code secret}, a per-process random value (at
   * least 32 bytes) so that keys can be neither reversed nor compared across processes.
   *
   * @throws IllegalArgumentException if {@code secret} is shorter than 32 bytes
   */
  static CacheKeys hmac(byte[] secret) {
    return new HmacCacheKeys(secret);
  }
}
