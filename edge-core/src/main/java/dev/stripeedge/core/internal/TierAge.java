package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;

/**
 * How a cache tier's hit of a given age may answer, when the tier keeps entries longer than memory
 * does: a pure rule beside {@link Freshness}. Within the rule's own windows the hit answers as
 * {@link Freshness} says; past them but within the tier's retention, it answers only while the
 * event stream covers it (every change since its fetch would have reached the edge and dropped or
 * refreshed it); otherwise it is revalidated with Stripe first.
 */
enum TierAge {
  /** Younger than its TTL: answers as it is. */
  FRESH,
  /** Past its TTL, within stale-while-revalidate: answers now while one refresh runs. */
  STALE_WHILE_REVALIDATE,
  /** Past the rule's windows, within the tier's retention, the stream healthy: answers. */
  RETAINED,
  /** Anything else: Stripe is asked first (the hit may still stand in if Stripe fails). */
  REVALIDATE;

  /**
   * Judges a hit {@code ageNanos} old (from its fetch) under {@code rule}, kept by its tier for
   * {@code retentionNanos}, while the event stream {@code streamCovers} it or not.
   */
  static TierAge of(
      long ageNanos, CacheDecision.Cacheable rule, long retentionNanos, boolean streamCovers) {
    Freshness freshness = Freshness.of(ageNanos, rule);
    if (freshness == Freshness.FRESH) {
      return FRESH;
    }
    if (freshness == Freshness.STALE_WHILE_REVALIDATE) {
      return STALE_WHILE_REVALIDATE;
    }
    return ageNanos < retentionNanos && streamCovers ? RETAINED : REVALIDATE;
  }

  /** Whether the hit answers without waiting for Stripe. */
  boolean answersNow() {
    return this != REVALIDATE;
  }
}
