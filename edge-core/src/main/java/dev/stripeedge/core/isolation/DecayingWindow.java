package dev.stripeedge.core.isolation;

/**
 * Answers of one key with exponentially decaying weight: a log-bucketed latency histogram (a
 * decaying quantile sketch) and counts of errors and throttles. O(1) per answer (forward decay: a
 * new answer weighs e^((t - landmark)/tau), the landmark moves now and then); 40 buckets of factor
 * √2 from 64 µs, so a quantile is within a factor √2. Not thread-safe: {@link KeyStats} locks it.
 */
final class DecayingWindow {

  static final int BUCKETS = 40;
  private static final double FIRST_NANOS = 64_000;
  private static final double LOG_STEP = Math.log(Math.sqrt(2));
  // Beyond e^40 the weights lose precision: the landmark moves before that.
  private static final double MAX_EXPONENT = 40;

  private final double tauNanos;
  private final double[] buckets = new double[BUCKETS];
  private double total;
  private double errors;
  private double throttled;
  private long landmark;

  DecayingWindow(long tauNanos, long now) {
    this.tauNanos = tauNanos;
    this.landmark = now;
  }

  /** Counts one answer at ticker time {@code now}. */
  void add(long now, long latencyNanos, Answer answer) {
    double exponent = (now - landmark) / tauNanos;
    if (exponent > MAX_EXPONENT) {
      rescale(now);
      exponent = 0;
    }
    double weight = Math.exp(exponent);
    buckets[bucket(latencyNanos)] += weight;
    total += weight;
    if (answer == Answer.ERROR) {
      errors += weight;
    } else if (answer == Answer.THROTTLED) {
      throttled += weight;
    }
  }

  private void rescale(long now) {
    double factor = Math.exp(-(now - landmark) / tauNanos);
    for (int i = 0; i < BUCKETS; i++) {
      buckets[i] *= factor;
    }
    total *= factor;
    errors *= factor;
    throttled *= factor;
    landmark = now;
  }

  /** The decayed weight of answers at {@code now} (≈ answers within the last tau). */
  double samples(long now) {
    return total * decay(now);
  }

  double errors(long now) {
    return errors * decay(now);
  }

  double throttled(long now) {
    return throttled * decay(now);
  }

  private double decay(long now) {
    return Math.exp(-(now - landmark) / tauNanos);
  }

  /** The {@code q} quantile of latency in nanoseconds (a bucket's geometric middle), or 0. */
  long quantileNanos(double q) {
    if (total <= 0) {
      return 0;
    }
    double target = q * total;
    double seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += buckets[i];
      if (seen >= target) {
        return (long) (FIRST_NANOS * Math.exp((i + 0.5) * LOG_STEP));
      }
    }
    return (long) (FIRST_NANOS * Math.exp((BUCKETS - 0.5) * LOG_STEP));
  }

  static int bucket(long latencyNanos) {
    if (latencyNanos <= FIRST_NANOS) {
      return 0;
    }
    // (The epsilon puts an exact bound, 128 µs, in the bucket it starts despite rounding.)
    int index = (int) (Math.log(latencyNanos / FIRST_NANOS) / LOG_STEP + 1e-9);
    return Math.min(BUCKETS - 1, index);
  }

  /** How an answer counts. */
  enum Answer {
    OK,
    /** a 5xx, a timeout or a lost connection */
    ERROR,
    /** a 429: a lock timeout or a rate limit */
    THROTTLED
  }
}
