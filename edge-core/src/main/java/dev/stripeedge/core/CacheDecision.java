package dev.stripeedge.core;

import java.time.Duration;

/** What the cache does with one request: a closed choice returned by a {@link CacheRule}. */
public sealed interface CacheDecision {

  /**
   * Go straight upstream; neither look up nor store.
   *
   * @param reason short, stable, for logs and {@code Cache-Status} ({@code method}, {@code events})
   */
  record Bypass(String reason) implements CacheDecision {}

  /**
   * Look up, and store a successful response.
   *
   * @param ttl how long an entry is fresh
   * @param staleWhileRevalidate after {@code ttl}, how long a stale entry may answer while one
   *     refresh runs in the background; zero for never
   * @param staleIfError after {@code ttl}, how long a stale entry may answer when upstream fails;
   *     zero for never
   */
  record Cacheable(Duration ttl, Duration staleWhileRevalidate, Duration staleIfError)
      implements CacheDecision {

    public Cacheable {
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive: " + ttl);
      }
      if (staleWhileRevalidate.isNegative() || staleIfError.isNegative()) {
        throw new IllegalArgumentException(
            "stale windows must not be negative: swr=%s sie=%s"
                .formatted(staleWhileRevalidate, staleIfError));
      }
    }

    /**
     * The shorter of this and {@code other}, window by window: what an entry stored under one rule
     * and asked for under the other may answer within (an event's copy is stored for seconds,
     * whatever the resource's TTL).
     */
    public Cacheable narrowedTo(Cacheable other) {
      return new Cacheable(
          min(ttl, other.ttl),
          min(staleWhileRevalidate, other.staleWhileRevalidate),
          min(staleIfError, other.staleIfError));
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }

    /** How long an entry is worth keeping at all. */
    public Duration retention() {
      return ttl.plus(
          staleWhileRevalidate.compareTo(staleIfError) > 0 ? staleWhileRevalidate : staleIfError);
    }
  }
}
