package dev.stripeedge.core.internal;

import java.util.Arrays;

/**
 * Reuse distances in bytes, counted in logarithmic buckets (32 per doubling, so a bucket is 2.2%
 * wide), plus the references no cache size turns into hits (first references, expired entries).
 * From it: the LRU hit ratio at any size, and the size a hit ratio needs.
 *
 * <p>Counts are doubles: sampling rescales them. Not thread-safe: its owner serializes calls, and
 * hands out copies.
 */
public final class DistanceHistogram {

  static final int BUCKETS_PER_DOUBLING = 32;
  // Up to 2^48 bytes (256 TiB): beyond any cache this edge will be given.
  private static final int BUCKETS = 48 * BUCKETS_PER_DOUBLING + 1;

  private final double[] counts;
  private double never;

  DistanceHistogram() {
    this.counts = new double[BUCKETS];
  }

  private DistanceHistogram(double[] counts, double never) {
    this.counts = counts;
    this.never = never;
  }

  /** A reference that hits in any LRU cache of at least {@code bytes}. */
  void add(long bytes, double weight) {
    counts[bucket(bytes)] += weight;
  }

  /** A reference that misses whatever the size. */
  void addNever(double weight) {
    never += weight;
  }

  /**
   * SHARDS-adj: accounts for {@code missing} references expected at the sampling rate but not
   * sampled (fewer when negative). The difference comes mostly from whether a few hot keys fell in
   * the sample, and hot keys' references have the smallest distances: a deficit is credited to the
   * smallest distance, a surplus taken from the smallest distances up.
   */
  void adjust(double missing) {
    if (missing >= 0) {
      counts[0] += missing;
      return;
    }
    double surplus = -missing;
    for (int i = 0; i < counts.length && surplus > 0; i++) {
      double taken = Math.min(counts[i], surplus);
      counts[i] -= taken;
      surplus -= taken;
    }
  }

  /** Multiplies every count by {@code factor} (sampling rate lowered). */
  void scale(double factor) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] *= factor;
    }
    never *= factor;
  }

  DistanceHistogram copy() {
    return new DistanceHistogram(counts.clone(), never);
  }

  /** References counted, hits and misses. */
  double total() {
    return Arrays.stream(counts).sum() + never;
  }

  /** References some size turns into hits. */
  double reusable() {
    return Arrays.stream(counts).sum();
  }

  /** The hit ratio no size exceeds: reusable over total; 0 when empty. */
  double maxHitRatio() {
    double total = total();
    return total <= 0 ? 0 : reusable() / total;
  }

  /**
   * The LRU hit ratio of a cache of {@code bytes}: references whose distance is at most that, over
   * all; linear within a bucket (on the log scale).
   */
  double hitRatio(long bytes) {
    double total = total();
    if (total <= 0 || bytes <= 0) {
      return 0;
    }
    double position = Math.log(bytes) / Math.log(2) * BUCKETS_PER_DOUBLING;
    double hits = counts[0];
    for (int i = 1; i < counts.length; i++) {
      if (i <= position) {
        hits += counts[i];
      } else {
        // Bucket i holds distances in (2^((i-1)/32), 2^(i/32)].
        hits += counts[i] * Math.max(0, position - (i - 1));
        break;
      }
    }
    return Math.min(1, hits / total);
  }

  /**
   * The smallest size whose LRU hit ratio reaches {@code target}, or -1 when no size does
   * (compulsory misses bound it) or nothing was counted.
   */
  long bytesFor(double target) {
    double total = total();
    if (total <= 0 || target > maxHitRatio() + 1e-12) {
      return -1;
    }
    double wanted = target * total;
    double hits = counts[0];
    if (hits >= wanted) {
      return 1;
    }
    for (int i = 1; i < counts.length; i++) {
      if (hits + counts[i] >= wanted) {
        double fraction = counts[i] <= 0 ? 1 : (wanted - hits) / counts[i];
        return (long) Math.ceil(Math.pow(2, (i - 1 + fraction) / BUCKETS_PER_DOUBLING));
      }
      hits += counts[i];
    }
    return upperBound(counts.length - 1);
  }

  /** The largest distance counted, rounded up to its bucket's bound; 0 when none. */
  long largestDistance() {
    for (int i = counts.length - 1; i > 0; i--) {
      if (counts[i] > 0) {
        return upperBound(i);
      }
    }
    return 0;
  }

  private static long upperBound(int bucket) {
    return (long) Math.ceil(Math.pow(2, (double) bucket / BUCKETS_PER_DOUBLING));
  }

  private static int bucket(long bytes) {
    if (bytes <= 1) {
      return 0;
    }
    int bucket = (int) Math.ceil(Math.log(bytes) / Math.log(2) * BUCKETS_PER_DOUBLING - 1e-9);
    return Math.min(BUCKETS - 1, Math.max(1, bucket));
  }
}
