package dev.stripeedge.core.internal;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When this edge last invalidated each object id, on the wall clock: a hit from a slower tier whose
 * fetch started at or before one of its ids was invalidated here (plus the clock tolerance) is not
 * served. Tier invalidations are asynchronous; this closes the gap between a write's answer and the
 * moment every tier has dropped what it changed, and covers a tier that missed an invalidation.
 *
 * <p>Thread-safe; never blocks. Bounded: past {@code MAX} ids the oldest are forgotten and a floor
 * takes their place (every entry fetched before it is refused), so forgetting is never unsafe.
 */
final class RecentInvalidations {

  private static final int MAX = 100_000;

  private final ConcurrentHashMap<String, Long> at = new ConcurrentHashMap<>();
  private final AtomicLong floor = new AtomicLong(Long.MIN_VALUE / 2);
  private final long toleranceMillis;
  private final long retentionMillis;

  RecentInvalidations(long toleranceMillis, long retentionMillis) {
    this.toleranceMillis = toleranceMillis;
    this.retentionMillis = retentionMillis;
  }

  void record(Collection<String> ids, long nowMillis) {
    for (String id : ids) {
      at.merge(id, nowMillis, Math::max);
    }
    if (at.size() > MAX) {
      forgetOld(nowMillis);
    }
  }

  /**
   * Whether an entry holding {@code ids}, fetched from {@code fetchStartedMillis}, may be stale.
   */
  boolean invalidatedSince(Collection<String> ids, long fetchStartedMillis) {
    if (fetchStartedMillis <= floor.get() + toleranceMillis) {
      return true;
    }
    for (String id : ids) {
      Long invalidated = at.get(id);
      if (invalidated != null && fetchStartedMillis <= invalidated + toleranceMillis) {
        return true;
      }
    }
    return false;
  }

  private synchronized void forgetOld(long nowMillis) {
    if (at.size() <= MAX) {
      return;
    }
    // Markers past the retention only guard entries the tiers have dropped long ago.
    long cutoff = nowMillis - retentionMillis;
    floor.accumulateAndGet(cutoff, Math::max);
    at.values().removeIf(millis -> millis <= cutoff);
    if (at.size() > MAX / 2) {
      // A storm of invalidations: refuse every tier entry fetched until now, then start afresh.
      floor.accumulateAndGet(nowMillis, Math::max);
      at.clear();
    }
  }
}
