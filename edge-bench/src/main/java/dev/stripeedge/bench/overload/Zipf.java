package dev.stripeedge.bench.overload;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** Zipf-distributed ranks {@code 0..n-1} (rank 0 the most popular), by inverse CDF. Immutable. */
public final class Zipf {

  private final double[] cdf;

  /**
   * @param n number of items, at least 1
   * @param exponent skew; 1.0 is classic Zipf, 0 is uniform
   */
  public Zipf(int n, double exponent) {
    if (n < 1 || exponent < 0) {
      throw new IllegalArgumentException("need n >= 1 and exponent >= 0: " + n + ", " + exponent);
    }
    cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1.0 / Math.pow(i + 1, exponent);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
  }

  /** A rank drawn from {@code random}. */
  public int sample(RandomGenerator random) {
    double u = random.nextDouble();
    int i = Arrays.binarySearch(cdf, u);
    int rank = i >= 0 ? i : -i - 1;
    return Math.min(rank, cdf.length - 1);
  }
}
