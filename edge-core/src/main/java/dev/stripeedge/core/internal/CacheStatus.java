package dev.stripeedge.core.internal;

import org.jspecify.annotations.Nullable;

/**
 * How the cache took part in an answer: rendered as an RFC 9211 {@code Cache-Status} member of the
 * {@code stripe-edge} cache, and as the bounded tag of the request metric.
 */
sealed interface CacheStatus {

  /** The cache's name in {@code Cache-Status}. */
  String CACHE = "stripe-edge";

  /** The memory tier's hit (one instance: the hit path allocates nothing for it). */
  CacheStatus MEMORY_HIT = new MemoryHit();

  /** The {@code Cache-Status} value. */
  String render();

  /** The {@code cache} tag of the request metric: one of a fixed set. */
  String tag();

  /** Answered fresh from memory. */
  record MemoryHit() implements CacheStatus {
    private static final String RENDERED = CACHE + "; hit";

    @Override
    public String render() {
      return RENDERED;
    }

    @Override
    public String tag() {
      return "hit";
    }
  }

  /** Answered fresh from the named tier below memory. */
  record TierHit(String tier) implements CacheStatus {
    @Override
    public String render() {
      return CACHE + "; hit; detail=" + tier;
    }

    @Override
    public String tag() {
      return "tier";
    }
  }

  /** Answered with a stale entry: while revalidating, or because upstream failed. */
  record Stale(boolean onError) implements CacheStatus {
    @Override
    public String render() {
      return CACHE + "; hit; detail=" + (onError ? "stale-if-error" : "stale-while-revalidate");
    }

    @Override
    public String tag() {
      return "stale";
    }
  }

  /**
   * Asked upstream for a cacheable request.
   *
   * @param upstreamStatus upstream's status, or null when it did not answer
   * @param collapsed joined a miss already in flight
   * @param stored the answer was stored
   */
  record Miss(@Nullable Integer upstreamStatus, boolean collapsed, boolean stored)
      implements CacheStatus {
    @Override
    public String render() {
      return CACHE
          + "; fwd=miss"
          + (upstreamStatus != null ? "; fwd-status=" + upstreamStatus : "")
          + (collapsed ? "; collapsed" : "")
          + (stored ? "; stored" : "");
    }

    @Override
    public String tag() {
      return "miss";
    }
  }

  /**
   * Not looked up.
   *
   * @param reason why (a {@code CacheDecision.Bypass} reason, {@code warm}), or null for none
   */
  record Bypass(@Nullable String reason) implements CacheStatus {
    @Override
    public String render() {
      return CACHE + "; fwd=bypass" + (reason != null ? "; detail=" + reason : "");
    }

    @Override
    public String tag() {
      return "bypass";
    }
  }
}
