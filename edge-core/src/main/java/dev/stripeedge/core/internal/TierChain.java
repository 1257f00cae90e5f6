package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.RetentionConfig;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The tiers below L0, fastest first: lookups in order (each under its own timeout), promotion of a
 * hit to the faster tiers, write-through of fills, and invalidations to every tier.
 *
 * <p>A hit is served only when none of its ids was invalidated here since its fetch began (see
 * {@link RecentInvalidations}), so a tier that has not yet applied, or never received, an
 * invalidation cannot answer with what a write changed.
 *
 * <p>Each tier keeps an entry for its own retention ({@link RetentionConfig}, per resource), at
 * least as long as memory would: a fill or promotion is stored in each tier with that tier's
 * expiry.
 *
 * <p>Thread-safe; never blocks; its futures never complete exceptionally.
 */
final class TierChain {

  /** How far the clocks of edges sharing a tier may disagree (as in the tiers' own markers). */
  static final Duration CLOCK_TOLERANCE = Duration.ofSeconds(1);

  /** How long this edge remembers its invalidations for tier hits. */
  static final Duration MARKER_RETENTION = Duration.ofMinutes(5);

  /**
   * A hit in a tier.
   *
   * @param index position of the tier, 0 fastest
   * @param tier its name
   * @param entry what it stored
   * @param response the decoded response
   */
  record Hit(int index, String tier, TierEntry entry, EdgeResponse response) {}

  /**
   * What the lookup found, and how long it took.
   *
   * @param hit the first usable hit, or null
   * @param nanos time spent in the tiers
   */
  record Lookup(@Nullable Hit hit, long nanos) {}

  private final List<GuardedTier> tiers;
  private final RecentInvalidations recent;
  private final Clock clock;
  private final Ticker ticker;
  private final RetentionConfig retention;
  private final AtomicLong longestRetentionNanos = new AtomicLong();
  // Per tier: hits fetched before this time (epoch millis) are refused, as they may predate an
  // invalidation this edge never heard (a broadcast gap in another tier).
  private final AtomicLongArray refusedBefore;
  private final MeterRegistry meters;
  // Per tier: hits past the rule's windows within retention, served / revalidated.
  private final List<Counter> retainedServed;
  private final List<Counter> retainedRevalidated;

  TierChain(
      List<Map.Entry<CacheTier, TierConfig>> tiers,
      Clock clock,
      Ticker ticker,
      RetentionConfig retention,
      MeterRegistry meters) {
    this.clock = clock;
    this.ticker = ticker;
    this.retention = retention;
    this.recent = new RecentInvalidations(CLOCK_TOLERANCE.toMillis(), MARKER_RETENTION.toMillis());
    List<GuardedTier> guarded = new ArrayList<>();
    for (Map.Entry<CacheTier, TierConfig> tier : tiers) {
      guarded.add(
          new GuardedTier(
              tier.getKey(),
              tier.getValue(),
              ticker,
              // Real time, not the pipeline's scheduler: tests hand the pipeline one that answers
              // at once (for retry backoffs), under which a down tier's retries would spin.
              Scheduler.system(),
              longestRetentionNanos::get,
              meters));
    }
    this.tiers = List.copyOf(guarded);
    this.refusedBefore = new AtomicLongArray(guarded.size());
    this.meters = meters;
    this.retainedServed = retainedCounters("served");
    this.retainedRevalidated = retainedCounters("revalidated");
  }

  private List<Counter> retainedCounters(String outcome) {
    return tiers.stream()
        .map(
            tier ->
                Counter.builder("stripe.edge.tier.retained")
                    .description(
                        "Tier hits past their TTL within the tier's retention: served while the"
                            + " event stream was healthy, or revalidated with Stripe")
                    .tag("tier", tier.name())
                    .tag("outcome", outcome)
                    .register(meters))
        .toList();
  }

  /** Counts a hit of tier {@code index} past its TTL within retention, served or revalidated. */
  void retained(int index, boolean served) {
    (served ? retainedServed : retainedRevalidated).get(index).increment();
  }

  boolean isEmpty() {
    return tiers.isEmpty();
  }

  long nowMillis() {
    return clock.millis();
  }

  /**
   * Sends each tier's remote invalidations to {@code dropLocally} and to the other tiers (a shared
   * tier's news must reach this edge's own durable tier too).
   */
  void onRemoteInvalidation(Consumer<Collection<String>> dropLocally) {
    for (int i = 0; i < tiers.size(); i++) {
      int from = i;
      tiers
          .get(i)
          .tier()
          .onRemoteInvalidation(
              ids -> {
                recent.record(ids, clock.millis());
                dropLocally.accept(ids);
                for (int j = 0; j < tiers.size(); j++) {
                  if (j != from) {
                    tiers.get(j).invalidate(ids);
                  }
                }
              });
    }
  }

  /**
   * When a shared tier reports a broadcast gap, runs {@code dropLocally} (memory) and from then on
   * refuses hits of the other tiers fetched before the gap ended: this edge's own durable tier
   * holds entries that the missed invalidations would have dropped. The gapped tier itself is
   * current: the other edges invalidated it directly.
   */
  void onBroadcastGap(Runnable dropLocally) {
    for (int i = 0; i < tiers.size(); i++) {
      int from = i;
      Counter gaps =
          Counter.builder("stripe.edge.tier.broadcast.gaps")
              .description("Times a shared tier resumed hearing invalidations it may have missed")
              .tag("tier", tiers.get(i).name())
              .register(meters);
      tiers
          .get(i)
          .tier()
          .onBroadcastGap(
              () -> {
                gaps.increment();
                long now = clock.millis();
                for (int j = 0; j < tiers.size(); j++) {
                  if (j != from) {
                    refusedBefore.accumulateAndGet(j, now, Math::max);
                  }
                }
                dropLocally.run();
              });
    }
  }

  /** The first tier's usable hit for {@code key}, asking each in order. */
  CompletableFuture<Lookup> lookup(String key) {
    long start = ticker.nanos();
    return from(0, key).thenApply(hit -> new Lookup(hit, ticker.nanos() - start));
  }

  private CompletableFuture<@Nullable Hit> from(int index, String key) {
    if (index == tiers.size()) {
      return CompletableFuture.completedFuture(null);
    }
    GuardedTier tier = tiers.get(index);
    long began = ticker.nanos();
    return tier.get(key)
        .thenCompose(
            found -> {
              String outcome = found.outcome();
              Hit hit = null;
              TierEntry entry = found.entry();
              if (entry != null) {
                long now = clock.millis();
                if (!entry.key().equals(key) || !entry.liveAt(now)) {
                  outcome = "miss";
                } else if (recent.invalidatedSince(entry.ids(), entry.fetchStartedMillis())
                    || entry.fetchStartedMillis() <= refusedBefore.get(index)) {
                  outcome = "invalidated";
                } else {
                  try {
                    hit = new Hit(index, tier.name(), entry, ResponseCodec.decode(entry.value()));
                  } catch (IllegalArgumentException e) {
                    outcome = "corrupt";
                  }
                }
              }
              tier.recordLookup(outcome, ticker.nanos() - began);
              return hit != null ? CompletableFuture.completedFuture(hit) : from(index + 1, key);
            });
  }

  /**
   * How long tier {@code index} keeps an entry of {@code resource}: its retention, or {@code
   * memoryRetention} (the rule's TTL and stale windows) when that is longer.
   */
  long retentionMillis(int index, String resource, Duration memoryRetention) {
    return Math.max(
        memoryRetention.toMillis(),
        retention.retention(tiers.get(index).name(), resource).toMillis());
  }

  /**
   * Copies a hit to the tiers faster than the one it came from, in the background, each with its
   * own expiry; a tier whose retention the hit has outlived gets none.
   */
  void promote(Hit hit, String resource, Duration memoryRetention) {
    long now = clock.millis();
    for (int i = 0; i < hit.index(); i++) {
      TierEntry entry = expiringIn(i, hit.entry(), resource, memoryRetention);
      if (entry.liveAt(now)) {
        tiers.get(i).put(entry);
      }
    }
  }

  /**
   * Writes a fill to every tier, in the background, each keeping it for its retention of {@code
   * resource} (at least {@code memoryRetention}) from the fetch; {@code entry}'s own expiry is
   * ignored.
   */
  void writeThrough(TierEntry entry, String resource, Duration memoryRetention) {
    for (int i = 0; i < tiers.size(); i++) {
      TierEntry own = expiringIn(i, entry, resource, memoryRetention);
      longestRetentionNanos.accumulateAndGet(
          (own.expiresAtMillis() - own.fetchStartedMillis()) * 1_000_000L, Math::max);
      tiers.get(i).put(own);
    }
  }

  private TierEntry expiringIn(
      int index, TierEntry entry, String resource, Duration memoryRetention) {
    long expires = entry.fetchStartedMillis() + retentionMillis(index, resource, memoryRetention);
    return expires == entry.expiresAtMillis()
        ? entry
        : new TierEntry(
            entry.key(), entry.value(), entry.ids(), entry.fetchStartedMillis(), expires);
  }

  /**
   * Records the invalidation of {@code ids} and sends it to every tier, in the background.
   *
   * @return true once every tier acknowledged it, false when one did not (after all answered)
   */
  CompletableFuture<Boolean> invalidate(Collection<String> ids) {
    recent.record(ids, clock.millis());
    CompletableFuture<Boolean> all = CompletableFuture.completedFuture(true);
    for (GuardedTier tier : tiers) {
      all = all.thenCombine(tier.invalidate(ids), Boolean::logicalAnd);
    }
    return all;
  }
}
