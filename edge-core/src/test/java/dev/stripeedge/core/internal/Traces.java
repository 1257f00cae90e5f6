package dev.stripeedge.core.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Seeded reference traces and an exact byte-bounded LRU, the yardstick of the estimator. */
final class Traces {

  private Traces() {}

  /** Key indexes 0..keys-1 drawn from a Zipf distribution of exponent {@code alpha}. */
  static int[] zipf(int references, int keys, double alpha, long seed) {
    double[] cumulative = new double[keys];
    double sum = 0;
    for (int i = 0; i < keys; i++) {
      sum += 1 / Math.pow(i + 1, alpha);
      cumulative[i] = sum;
    }
    SplittableRandom random = new SplittableRandom(seed);
    int[] trace = new int[references];
    for (int r = 0; r < references; r++) {
      int found = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
      trace[r] = Math.min(keys - 1, found >= 0 ? found : -found - 1);
    }
    // Rank is not identity: scatter the hot keys over the index space.
    int[] permutation = permutation(keys, random);
    for (int r = 0; r < references; r++) {
      trace[r] = permutation[trace[r]];
    }
    return trace;
  }

  /** Key indexes 0..keys-1 drawn uniformly. */
  static int[] uniform(int references, int keys, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] trace = new int[references];
    for (int r = 0; r < references; r++) {
      trace[r] = random.nextInt(keys);
    }
    return trace;
  }

  /** A size per key, 100 bytes to about 20 KB, most of them small (log-uniform). */
  static int[] mixedSizes(int keys, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] sizes = new int[keys];
    for (int i = 0; i < keys; i++) {
      sizes[i] = (int) Math.round(100 * Math.pow(200, random.nextDouble()));
    }
    return sizes;
  }

  private static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The hit ratio of an exact LRU of {@code capacity} bytes over {@code trace}. */
  static double lruHitRatio(int[] trace, int[] sizes, long capacity) {
    LinkedHashMap<Integer, Integer> lru = new LinkedHashMap<>(16, 0.75f, true);
    long held = 0;
    long hits = 0;
    for (int key : trace) {
      if (lru.get(key) != null) {
        hits++;
        continue;
      }
      lru.put(key, sizes[key]);
      held += sizes[key];
      var eldest = lru.entrySet().iterator();
      while (held > capacity) {
        Map.Entry<Integer, Integer> gone = eldest.next();
        held -= gone.getValue();
        eldest.remove();
      }
    }
    return (double) hits / trace.length;
  }
}
