package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheDecision;
import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.SizingReport;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The stage that counts each answered cacheable request as a reference of its key, for the sizing
 * estimate of memory and of the first tier below it. Thread-safe; never blocks; never fails an
 * answer.
 */
final class SizingTap {

  private static final System.Logger log = System.getLogger(SizingTap.class.getName());

  /** What a lookup went through: the memory entry that answered, whether the tiers were asked. */
  static final class Trail {
    L0Cache.@Nullable Entry memoryHit;
    boolean askedTiers;
  }

  private final long maxBytes;
  private final SizingConfig config;
  private final List<String> tierNames;
  private final @Nullable SizingProbe memory;
  // The first tier below memory: it sees memory's misses (deeper tiers are not estimated).
  private final @Nullable SizingProbe tier;
  private final @Nullable String tierHitStatus;

  SizingTap(long maxBytes, SizingConfig config, List<String> tierNames, MeterRegistry meters) {
    this.maxBytes = maxBytes;
    this.config = config;
    this.tierNames = tierNames;
    this.memory =
        config.enabled()
            ? new SizingProbe("memory", config, maxBytes, SizingProbe.MEMORY, meters)
            : null;
    this.tier =
        config.enabled() && !tierNames.isEmpty()
            ? new SizingProbe(
                tierNames.get(0),
                config,
                config.tierBytes().getOrDefault(tierNames.get(0), 0L),
                SizingProbe.TIER,
                meters)
            : null;
    this.tierHitStatus =
        tierNames.isEmpty() ? null : new CacheStatus.TierHit(tierNames.get(0)).render();
  }

  /** Whether sizing is on: off, the tap adds nothing to a request. */
  boolean enabled() {
    return memory != null;
  }

  /** {@code answer}, counted once it completes (inline when it already has: a hit). */
  CompletableFuture<EdgeResponse> tap(
      CompletableFuture<EdgeResponse> answer,
      CacheKey key,
      Trail trail,
      Route route,
      EdgeRequest request,
      CacheDecision.Cacheable rule,
      long start) {
    EdgeResponse done = answer.getNow(null);
    if (done != null) {
      count(key, done, trail, route, request, rule, start);
      return answer;
    }
    return answer.thenApply(
        response -> {
          count(key, response, trail, route, request, rule, start);
          return response;
        });
  }

  /**
   * Counts an answered reference in memory's stream and, if it asked them, the tiers'. Only a
   * sampled key's reference is weighed (for a memory hit, by its entry).
   */
  private void count(
      CacheKey key,
      EdgeResponse answer,
      Trail trail,
      Route route,
      EdgeRequest request,
      CacheDecision.Cacheable rule,
      long start) {
    SizingProbe memory = this.memory;
    if (memory == null) {
      return;
    }
    try {
      long hash = SizingProbe.hash(key);
      long fresh = rule.ttl().toNanos();
      L0Cache.Entry entry = trail.memoryHit;
      if (memory.count(hash, answer, entry != null)) {
        long bytes =
            entry != null
                ? entry.weight()
                : SizingProbe.MEMORY.weigh(key, answer, CacheFill.watched(route, request));
        memory.sample(hash, bytes, start, fresh);
      }
      SizingProbe tier = this.tier;
      if (tier != null && trail.askedTiers) {
        boolean hit =
            answer.header("cache-status") instanceof String status && status.equals(tierHitStatus);
        if (tier.count(hash, answer, hit)) {
          tier.sample(
              hash,
              SizingProbe.TIER.weigh(key, answer, CacheFill.watched(route, request)),
              start,
              fresh);
        }
      }
    } catch (RuntimeException e) {
      // Sizing is advice: a bug in it must never cost the answer.
      log.log(System.Logger.Level.ERROR, "sizing failed for " + key, e);
    }
  }

  /** The estimate so far: memory's, the first tier's, and the deeper tiers' configured sizes. */
  SizingReport report() {
    SizingProbe memory = this.memory;
    if (memory == null) {
      return SizingReport.empty(maxBytes);
    }
    List<SizingReport.Tier> below = new ArrayList<>();
    for (int i = 0; i < tierNames.size(); i++) {
      String name = tierNames.get(i);
      SizingProbe first = tier;
      below.add(
          i == 0 && first != null
              ? first.report()
              : SizingReport.Tier.unestimated(name, config.tierBytes().getOrDefault(name, 0L)));
    }
    return new SizingReport(memory.report(), below);
  }
}
