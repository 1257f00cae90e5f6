package dev.stripeedge.core.internal;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * The LRU miss-ratio curve of a reference stream, estimated from a spatial sample of its keys
 * (SHARDS, Waldspurger et al., FAST '15), in bytes.
 *
 * <p>A key is sampled when its 64-bit hash, modulo 2^24, is below a threshold {@code T}: the
 * sampling rate is {@code R = T / 2^24}, and every reference of a sampled key is seen. Reuse
 * distances among sampled keys, divided by {@code R}, estimate those of the whole stream. The
 * sample is bounded ("fixed-size SHARDS"): past {@code maxKeys} keys, the threshold drops to the
 * largest sampled hash, those keys leave, and the counts so far are scaled by the ratio of rates.
 * The difference between the references expected at rate {@code R} and those sampled is credited to
 * the smallest distance (SHARDS-adj): it comes mostly from whether a few hot keys fell in the
 * sample.
 *
 * <p>Time to live: a re-reference {@code freshNanos} or more after the key's last fill (its first
 * reference, or the last re-reference found expired) is a miss at every size. The fill times are
 * those of an unbounded cache, so at sizes where the key was also evicted and re-fetched in
 * between, the estimate is a little pessimistic.
 *
 * <p>Thread-safe. {@link #sampled} is a hash already computed and one comparison with a volatile
 * field; only sampled references take the lock (O(log n) work under it).
 */
public final class Shards {

  static final int MODULUS_BITS = 24;
  static final long MODULUS = 1L << MODULUS_BITS;

  /** A sampled key's expiry state. */
  private static final class Sampled {
    final long hash;
    long filledAtNanos;

    Sampled(long hash, long filledAtNanos) {
      this.hash = hash;
      this.filledAtNanos = filledAtNanos;
    }
  }

  private final int maxKeys;
  private final LongAdder references = new LongAdder();
  private volatile long threshold;
  // Guarded by this.
  private final ReuseDistances distances;
  private final Map<Long, Sampled> keys = new HashMap<>();
  private final PriorityQueue<Sampled> byResidue =
      new PriorityQueue<>(
          Comparator.comparingLong((Sampled s) -> residue(s.hash))
              .thenComparingLong(s -> s.hash)
              .reversed());
  private final DistanceHistogram histogram = new DistanceHistogram();
  private long sampledReferences;

  /**
   * @param initialRate share of keys sampled at first, in (0, 1]
   * @param maxKeys keys the sample holds at most (the rate drops to stay within)
   */
  public Shards(double initialRate, int maxKeys) {
    if (!(initialRate > 0 && initialRate <= 1)) {
      throw new IllegalArgumentException("initialRate must be in (0, 1]: " + initialRate);
    }
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be positive: " + maxKeys);
    }
    this.maxKeys = maxKeys;
    this.threshold = Math.max(1, Math.round(initialRate * MODULUS));
    this.distances = new ReuseDistances(Math.min(maxKeys, 1 << 16) * 2);
  }

  /**
   * A well-mixed 64-bit hash of {@code key}: its {@link String#hashCode()} through murmur3's
   * finalizer. The String caches its hash and the cache lookup has computed it already, so an
   * unsampled request never walks the key again. Two keys with one 32-bit hash count as one in the
   * sample: with thousands of sampled keys, a negligible merge.
   */
  public static long hash(String key) {
    long h = key.hashCode() * 0x9e3779b97f4a7c15L;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Whether references to the key of {@code hash} are sampled now. */
  public boolean sampled(long hash) {
    return residue(hash) < threshold;
  }

  /** Counts one reference, sampled or not: the base of the sampling adjustment. */
  public void count() {
    references.increment();
  }

  /**
   * Records a reference to the key of {@code hash} (counted already), of {@code bytes} now, at
   * {@code nowNanos}, fresh for {@code freshNanos} after a fill ({@code Long.MAX_VALUE}: forever).
   * Ignored when the key is not sampled (any more).
   */
  public synchronized void reference(long hash, long bytes, long nowNanos, long freshNanos) {
    if (!sampled(hash)) {
      return;
    }
    sampledReferences++;
    double rate = rate();
    ReuseDistances.Reference reference = distances.reference(hash, bytes);
    Sampled key = keys.get(hash);
    if (reference.first() || key == null) {
      histogram.addNever(1);
      if (key == null) {
        key = new Sampled(hash, nowNanos);
        keys.put(hash, key);
        byResidue.add(key);
      }
      key.filledAtNanos = nowNanos;
      if (keys.size() > maxKeys) {
        lowerThreshold();
      }
      return;
    }
    if (nowNanos - key.filledAtNanos >= freshNanos) {
      histogram.addNever(1);
      key.filledAtNanos = nowNanos;
      return;
    }
    // Other keys' bytes stand for 1/R times as many; the key itself is one key.
    histogram.add(
        (long) Math.ceil(reference.distanceBytes() / rate) + reference.previousBytes(), 1);
  }

  /** The sampling rate now. */
  public double rate() {
    return (double) threshold / MODULUS;
  }

  /** What was estimated so far. */
  public synchronized Estimate estimate() {
    DistanceHistogram copy = histogram.copy();
    double expected = references.sum() * rate();
    double missing = expected - copy.total();
    if (copy.total() > 0) {
      copy.adjust(missing);
    }
    return new Estimate(references.sum(), sampledReferences, rate(), keys.size(), copy);
  }

  /**
   * A copy of the curve at one moment.
   *
   * @param references references counted
   * @param sampledReferences of those, sampled
   * @param rate the sampling rate
   * @param sampledKeys keys in the sample
   * @param histogram the distances, adjusted and scaled to the rate
   */
  public record Estimate(
      long references,
      long sampledReferences,
      double rate,
      int sampledKeys,
      DistanceHistogram histogram) {

    /** The estimated LRU hit ratio of a cache of {@code bytes}. */
    public double hitRatio(long bytes) {
      return histogram.hitRatio(bytes);
    }

    /** The smallest size reaching {@code target}, or -1 when none does. */
    public long bytesFor(double target) {
      return histogram.bytesFor(target);
    }

    /** The hit ratio no size exceeds. */
    public double maxHitRatio() {
      return histogram.maxHitRatio();
    }

    /** The largest reuse distance seen (a size past which the curve is flat). */
    public long largestDistance() {
      return histogram.largestDistance();
    }
  }

  private void lowerThreshold() {
    long before = threshold;
    while (keys.size() > maxKeys) {
      long top = residue(byResidue.element().hash);
      // Every key at or above the largest residue leaves: T drops to it.
      while (!byResidue.isEmpty() && residue(byResidue.element().hash) >= top) {
        Sampled gone = byResidue.remove();
        keys.remove(gone.hash);
        distances.forget(gone.hash);
      }
      threshold = Math.max(1, top);
    }
    histogram.scale((double) threshold / before);
  }

  private static long residue(long hash) {
    return hash & (MODULUS - 1);
  }
}
