package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;

/**
 * How an entry of a given age may answer under a rule's windows: a pure rule, in nanoseconds so the
 * memory-hit path judges without allocating.
 */
enum Freshness {
  /** Younger than its TTL: answers as it is. */
  FRESH,
  /** Past its TTL, within stale-while-revalidate: answers now while one refresh runs. */
  STALE_WHILE_REVALIDATE,
  /** Past both, within stale-if-error: answers only when upstream fails. */
  STALE_IF_ERROR,
  /** Past every window: worth nothing. */
  EXPIRED;

  /** Judges an entry {@code ageNanos} old against the windows given in nanoseconds. */
  static Freshness of(long ageNanos, long ttlNanos, long swrNanos, long sieNanos) {
    if (ageNanos < ttlNanos) {
      return FRESH;
    }
    if (ageNanos < ttlNanos + swrNanos) {
      return STALE_WHILE_REVALIDATE;
    }
    if (ageNanos < ttlNanos + sieNanos) {
      return STALE_IF_ERROR;
    }
    return EXPIRED;
  }

  /** Judges an entry {@code ageNanos} old against {@code rule}. */
  static Freshness of(long ageNanos, CacheDecision.Cacheable rule) {
    return of(
        ageNanos,
        rule.ttl().toNanos(),
        rule.staleWhileRevalidate().toNanos(),
        rule.staleIfError().toNanos());
  }

  /**
   * Whether an entry {@code ageNanos} old may stand in for a failed upstream under {@code rule}.
   */
  static boolean servesOnError(long ageNanos, CacheDecision.Cacheable rule) {
    return ageNanos < rule.ttl().plus(rule.staleIfError()).toNanos();
  }

  /**
   * Whether the entry answers without waiting for upstream (fresh, or stale while revalidating).
   */
  boolean answersNow() {
    return this == FRESH || this == STALE_WHILE_REVALIDATE;
  }
}
