package dev.stripeedge.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How much memory the in-memory tier (L0) needs for a given hit ratio, estimated from the live
 * cacheable traffic by spatial sampling (SHARDS): the LRU hit-ratio curve of the references seen so
 * far, by cache size in bytes (as L0 weighs entries: body, headers, key, ids).
 *
 * <p>LRU is the model; L0 (Caffeine's W-TinyLFU) usually does a little better at the same size, so
 * the sizes are an upper bound rather than a guess low. A re-reference after the entry's TTL is a
 * miss at every size; stale answers count as misses.
 *
 * @param references cacheable {@code GET}s answered with a 200 (from memory, a tier or Stripe)
 * @param sampledReferences of those, the references of sampled keys
 * @param samplingRate the share of keys sampled now (lowered as more keys are seen, to stay within
 *     the sample's bound)
 * @param sampledKeys keys held in the sample
 * @param maxHitRatio the hit ratio no size exceeds: first references and re-references after expiry
 *     miss anyway
 * @param curve the estimated hit ratio at a ladder of sizes
 * @param targets the bytes needed for 90%, 95% and 99%
 * @param memory L0 now: its bound, its predicted and measured hit ratio
 */
public record SizingReport(
    long references,
    long sampledReferences,
    double samplingRate,
    int sampledKeys,
    double maxHitRatio,
    List<Point> curve,
    List<Target> targets,
    Memory memory) {

  public SizingReport {
    curve = List.copyOf(curve);
    targets = List.copyOf(targets);
  }

  /** The hit ratios every report sizes for. */
  public static final List<Double> TARGETS = List.of(0.90, 0.95, 0.99);

  /** A report of nothing sampled (sizing off): every target unreachable. */
  public static SizingReport empty(long memoryMaxBytes) {
    return new SizingReport(
        0,
        0,
        0,
        0,
        0,
        List.of(),
        TARGETS.stream().map(target -> new Target(target, null)).toList(),
        new Memory(memoryMaxBytes, 0, 0, 0));
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

  /**
   * The in-memory tier as configured and as measured.
   *
   * @param maxBytes its bound ({@code cache.maxBytes})
   * @param bytes what it holds now
   * @param predictedHitRatio the curve's hit ratio at {@code maxBytes}
   * @param measuredHitRatio fresh memory hits over {@code references} since start, 0 without any
   */
  public record Memory(
      long maxBytes, long bytes, double predictedHitRatio, double measuredHitRatio) {}
}
