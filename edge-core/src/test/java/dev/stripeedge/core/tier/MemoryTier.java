package dev.stripeedge.core.tier;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** A plain map as a tier, for testing decorators: no markers, no versions. */
final class MemoryTier implements CacheTier {

  final Map<String, TierEntry> entries = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public CompletableFuture<@Nullable TierEntry> get(String key) {
    TierEntry entry = entries.get(key);
    return CompletableFuture.completedFuture(
        entry != null && entry.liveAt(System.currentTimeMillis()) ? entry : null);
  }

  @Override
  public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
    Map<String, TierEntry> found = new LinkedHashMap<>();
    for (String key : keys) {
      TierEntry entry = entries.get(key);
      if (entry != null) {
        found.put(key, entry);
      }
    }
    return CompletableFuture.completedFuture(found);
  }

  @Override
  public CompletableFuture<Boolean> put(TierEntry entry) {
    entries.put(entry.key(), entry);
    return CompletableFuture.completedFuture(true);
  }

  @Override
  public CompletableFuture<Void> invalidate(Collection<String> ids) {
    entries.values().removeIf(entry -> entry.ids().stream().anyMatch(ids::contains));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void close() {}
}
