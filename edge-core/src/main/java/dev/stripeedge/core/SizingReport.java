package dev.stripeedge.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How much memory each cache tier needs for a given hit ratio, estimated from the live cacheable
 * traffic by spatial sampling (SHARDS): the LRU hit-ratio curve of the references a tier sees, by
 * size in bytes as the tier weighs entries.
 *
 * <p>The memory tier (L0) sees every cacheable {@code GET}; the first tier below it sees what
 * memory missed, so its curve holds for memory as configured now. A tier shared between edges sees
 * the misses of all of them, and one edge samples only its own: its estimate is for this edge's
 * share. Deeper tiers are listed, not estimated.
 *
 * <p>LRU is the model; L0 (Caffeine's W-TinyLFU) usually does a little better at the same size, so
 * its sizes lean high rather than low. A re-reference after the entry's TTL is a miss at every
 * size; stale answers count as misses.
 *
 * @param memory the in-memory tier
 * @param below the tiers below memory, fastest first; only the first is estimated
 */
public record SizingReport(Tier memory, List<Tier> below) {

  public SizingReport {
    below = List.copyOf(below);
  }

  /** The hit ratios every report sizes for. */
  public static final List<Double> TARGETS = List.of(0.90, 0.95, 0.99);

  /** A report of nothing sampled (sizing off). */
  public static SizingReport empty(long memoryMaxBytes) {
    return new SizingReport(Tier.unestimated("memory", memoryMaxBytes), List.of());
  }

  /**
   * One tier's estimate.
   *
   * @param tier its name: {@code memory}, or the tier's own ({@code sqlite}, {@code redis})
   * @param estimated whether it is estimated at all (otherwise every count is zero)
   * @param references its references: cacheable {@code GET}s answered with a 200 (for a tier below
   *     memory, those that asked it)
   * @param sampledReferences of those, the references of sampled keys
   * @param samplingRate the share of keys sampled now (lowered as more keys are seen, to stay
   *     within the sample's bound)
   * @param sampledKeys keys held in the sample
   * @param maxHitRatio the hit ratio no size exceeds: first references and re-references after
   *     expiry miss anyway
   * @param curve the estimated hit ratio at a ladder of sizes (powers of two)
   * @param targets the bytes needed for 90%, 95% and 99%
   * @param maxBytes the tier's configured bound, 0 when unknown
   * @param predictedHitRatio the curve's hit ratio at {@code maxBytes}, NaN when unknown
   * @param measuredHitRatio the tier's fresh hits over its references since start, 0 without any
   */
  public record Tier(
      String tier,
      boolean estimated,
      long references,
      long sampledReferences,
      double samplingRate,
      int sampledKeys,
      double maxHitRatio,
      List<Point> curve,
      List<Target> targets,
      long maxBytes,
      double predictedHitRatio,
      double measuredHitRatio) {

    public Tier {
      curve = List.copyOf(curve);
      targets = List.copyOf(targets);
    }

    /** A tier listed but not estimated: every target unreachable. */
    public static Tier unestimated(String tier, long maxBytes) {
      return new Tier(
          tier,
          false,
          0,
          0,
          0,
          0,
          0,
          List.of(),
          TARGETS.stream().map(target -> new Target(target, null)).toList(),
          maxBytes,
          Double.NaN,
          0);
    }
  }

  /**
   * One point of the curve.
   *
   * @param bytes a cache size
   * @param hitRatio the estimated LRU hit ratio at that size, 0..1
   */
  public record Point(long bytes, double hitRatio) {}

  /**
   * The size one hit ratio needs.
   *
   * @param hitRatio the target, 0..1
   * @param bytes the smallest size reaching it, or null when no size does (see {@code maxHitRatio})
   *     or nothing was sampled yet
   */
  public record Target(double hitRatio, @Nullable Long bytes) {

    /** Whether some size reaches the target. */
    public boolean reachable() {
      return bytes != null;
    }
  }
}
