package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The stage that draws a uniform sample of fresh cached plain retrieves for the drift audit.
 * Thread-safe when its random source is; never blocks.
 */
final class AuditSampler {

  private final L0Cache l0;
  private final CacheKeys keys;
  private final Ticker ticker;
  private final RandomGenerator random;

  AuditSampler(L0Cache l0, CacheKeys keys, Ticker ticker, RandomGenerator random) {
    this.l0 = l0;
    this.keys = keys;
    this.ticker = ticker;
    this.random = random;
  }

  /** Up to {@code max} retrieves cached under {@code apiKey}, each eligible one equally likely. */
  List<CachedRetrieve> sample(String apiKey, int max) {
    if (max < 1 || apiKey.isBlank()) {
      throw new IllegalArgumentException("auditSample needs an API key and a positive size");
    }
    long now = ticker.nanos();
    // Reservoir sampling: every eligible entry has the same chance, in one pass over a snapshot.
    List<CachedRetrieve> sample = new ArrayList<>(max);
    int eligible = 0;
    for (L0Cache.Entry entry : l0.entries()) {
      if (entry.response().status() != 200 || entry.ageNanos(now) >= entry.rule().ttl().toNanos()) {
        continue; // only what a read would be answered with now
      }
      String objectId = retrievedId(entry);
      if (objectId == null) {
        continue;
      }
      EdgeRequest retrieve = HmacCacheKeys.plainGetOf(entry.key(), apiKey);
      if (retrieve == null || !keys.keyFor(retrieve).equals(entry.key())) {
        continue; // cached under another API key (or not a plain retrieve's key)
      }
      eligible++;
      CachedRetrieve candidate = new CachedRetrieve(objectId, retrieve, entry.response());
      if (sample.size() < max) {
        sample.add(candidate);
      } else {
        int slot = random.nextInt(eligible);
        if (slot < max) {
          sample.set(slot, candidate);
        }
      }
    }
    return sample;
  }

  /** The object whose plain retrieve {@code entry} is, or null. */
  private static @Nullable String retrievedId(L0Cache.Entry entry) {
    for (String id : entry.ids()) {
      if (Dependency.parse(id) instanceof Dependency.RetrieveOf retrieve) {
        return retrieve.objectId();
      }
    }
    return null;
  }
}
