package dev.stripeedge.core.tier;

import java.util.Arrays;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One cached response as a tier stores it: opaque bytes plus what a tier needs to expire, index and
 * refuse it.
 *
 * @param key the cache key ({@link dev.stripeedge.core.CacheKey#value()}: already keyed per API
 *     key, never a secret)
 * @param value the encoded response; a tier stores and returns it byte for byte
 * @param ids the Stripe object ids (and pseudo ids) the response depends on: invalidating any of
 *     them drops the entry
 * @param fetchStartedMillis wall-clock time the upstream fetch began; a put is refused when one of
 *     {@code ids} was invalidated at or after this instant (within the tier's clock tolerance)
 * @param expiresAtMillis wall-clock time after which a tier must no longer return the entry
 */
public record TierEntry(
    String key, byte[] value, Set<String> ids, long fetchStartedMillis, long expiresAtMillis) {

  public TierEntry {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    ids = Set.copyOf(ids);
  }

  /** Whether the entry may still be returned at {@code nowMillis}. */
  public boolean liveAt(long nowMillis) {
    return nowMillis < expiresAtMillis;
  }

  // The value array is compared by content: a tier returns a copy of what it was given.
  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof TierEntry that
        && key.equals(that.key)
        && Arrays.equals(value, that.value)
        && ids.equals(that.ids)
        && fetchStartedMillis == that.fetchStartedMillis
        && expiresAtMillis == that.expiresAtMillis;
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "TierEntry[" + key + ", " + value.length + " bytes, ids=" + ids + "]";
  }
}
