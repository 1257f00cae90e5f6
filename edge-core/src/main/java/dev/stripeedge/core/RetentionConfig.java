package dev.stripeedge.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long each cache tier below memory keeps an entry, apart from how long it is fresh. An entry
 * past its resource's TTL but within its tier's retention answers only while the edge's event
 * stream is healthy ({@link StreamHealth}); otherwise it is revalidated first. Immutable.
 *
 * @param tiers retention per tier by its name ({@code redis}, {@code dynamodb}, {@code sqlite}); a
 *     tier not named, or named with zero, keeps entries as long as memory does (TTL plus the longer
 *     stale window)
 * @param resources per resource ({@code customers}, {@code checkout.sessions}), retention per tier
 *     overriding {@code tiers}: e.g. money-moving objects kept for an hour only
 * @param streamWindow how recently a webhook delivery must have been seen, or the reconciler have
 *     caught up, for the stream to count as healthy
 */
public record RetentionConfig(
    Map<String, Duration> tiers,
    Map<String, Map<String, Duration>> resources,
    Duration streamWindow) {

  public RetentionConfig {
    tiers = Map.copyOf(tiers);
    Map<String, Map<String, Duration>> copy = new LinkedHashMap<>();
    resources.forEach((resource, byTier) -> copy.put(resource, Map.copyOf(byTier)));
    resources = Map.copyOf(copy);
    tiers.forEach((tier, retention) -> notNegative("retention of tier " + tier, retention));
    resources.forEach(
        (resource, byTier) ->
            byTier.forEach(
                (tier, retention) ->
                    notNegative("retention of " + resource + " in tier " + tier, retention)));
    if (streamWindow.isNegative() || streamWindow.isZero()) {
      throw new IllegalArgumentException("streamWindow must be positive: " + streamWindow);
    }
  }

  /** Redis one hour, DynamoDB and SQLite 24 hours; a healthy stream heard within 5 minutes. */
  public static RetentionConfig defaults() {
    return new RetentionConfig(
        Map.of(
            "redis", Duration.ofHours(1),
            "dynamodb", Duration.ofHours(24),
            "sqlite", Duration.ofHours(24)),
        Map.of(),
        Duration.ofMinutes(5));
  }

  /** Every tier keeps entries as long as memory does (the behaviour before tier retention). */
  public static RetentionConfig asMemory() {
    return new RetentionConfig(Map.of(), Map.of(), Duration.ofMinutes(5));
  }

  /**
   * How long {@code tier} keeps an entry of {@code resource}: the resource's own setting for the
   * tier, else the tier's, else zero (as memory).
   */
  public Duration retention(String tier, String resource) {
    Map<String, Duration> own = resources.get(resource);
    Duration value = own == null ? null : own.get(tier);
    if (value == null) {
      value = tiers.get(tier);
    }
    return value == null ? Duration.ZERO : value;
  }

  /** A copy with {@code tier} keeping entries for {@code retention} (zero: as memory). */
  public RetentionConfig withTier(String tier, Duration retention) {
    Map<String, Duration> copy = new LinkedHashMap<>(tiers);
    copy.put(tier, retention);
    return new RetentionConfig(copy, resources, streamWindow);
  }

  /** A copy with {@code resource} kept for {@code retention} in {@code tier}. */
  public RetentionConfig withResource(String resource, String tier, Duration retention) {
    Map<String, Map<String, Duration>> copy = new LinkedHashMap<>(resources);
    Map<String, Duration> byTier = new LinkedHashMap<>(copy.getOrDefault(resource, Map.of()));
    byTier.put(tier, retention);
    copy.put(resource, byTier);
    return new RetentionConfig(tiers, copy, streamWindow);
  }

  /** A copy with another stream window. */
  public RetentionConfig withStreamWindow(Duration value) {
    return new RetentionConfig(tiers, resources, value);
  }

  private static void notNegative(String name, Duration value) {
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
  }
}
