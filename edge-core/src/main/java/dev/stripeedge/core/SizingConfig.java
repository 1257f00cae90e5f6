package dev.stripeedge.core;

import java.util.HashMap;
import java.util.Map;

/**
 * How the pipeline samples its cacheable traffic to estimate the memory a hit ratio needs ({@link
 * EdgePipeline#sizing()}). Immutable.
 *
 * @param enabled whether to sample at all (off: {@link EdgePipeline#sizing()} reports nothing)
 * @param initialRate share of cache keys sampled at first, in (0, 1]; every reference of a sampled
 *     key is seen, under a lock, so this is also the share of cacheable requests that pay for it
 * @param maxSampledKeys keys the sample holds at most; past it the rate drops (fixed-size SHARDS),
 *     so memory stays near {@code 150 B} per key whatever the traffic
 * @param tierBytes the configured bound of tiers below memory, by {@link
 *     dev.stripeedge.core.tier.CacheTier#name()}, to predict their hit ratio at it (the tier SPI
 *     does not expose one)
 */
public record SizingConfig(
    boolean enabled, double initialRate, int maxSampledKeys, Map<String, Long> tierBytes) {

  public SizingConfig {
    tierBytes = Map.copyOf(tierBytes);
    tierBytes.forEach(
        (tier, bytes) -> {
          if (bytes <= 0) {
            throw new IllegalArgumentException(
                "sizing bound of tier " + tier + " must be positive: " + bytes);
          }
        });
    if (!(initialRate > 0 && initialRate <= 1)) {
      throw new IllegalArgumentException("sizing initialRate must be in (0, 1]: " + initialRate);
    }
    if (maxSampledKeys < 1) {
      throw new IllegalArgumentException(
          "sizing maxSampledKeys must be positive: " + maxSampledKeys);
    }
  }

  /**
   * On, from 10% of keys, at most 8,192 sampled keys: the rate falls to 1% at about 800,000 keys.
   * About 2,000 sampled keys keep the 90%/95% sizes within a few points of hit ratio; fewer swing
   * with whether the hottest keys fell in the sample.
   */
  public static SizingConfig defaults() {
    return new SizingConfig(true, 0.1, 8192, Map.of());
  }

  /** Sampling off. */
  public static SizingConfig off() {
    return new SizingConfig(false, 0.1, 8192, Map.of());
  }

  /** A copy that knows tier {@code tier}'s bound. */
  public SizingConfig withTierBytes(String tier, long bytes) {
    Map<String, Long> bounds = new HashMap<>(tierBytes);
    bounds.put(tier, bytes);
    return new SizingConfig(enabled, initialRate, maxSampledKeys, bounds);
  }
}
