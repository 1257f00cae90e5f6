package dev.stripeedge.sim.internal.webhooks;

/**
 * Exponential retry backoff with multiplicative jitter.
 *
 * <p>Stateless and thread-safe; the caller supplies the random draw so seeded runs stay
 * reproducible.
 */
final class Backoff {
  private static final int MAX_SHIFT = 30;

  private Backoff() {}

  /**
   * Returns {@code base * 2^(attempt-1)} scaled by a factor in [0.9, 1.1), saturating instead of
   * overflowing and never below 1 ms (Vert.x timers reject 0).
   *
   * @param attempt the 1-based attempt that just failed
   * @param unitRandom a draw from [0, 1) choosing the jitter
   */
  static long delayMillis(long baseMillis, int attempt, double unitRandom) {
    int shift = Math.min(Math.max(attempt - 1, 0), MAX_SHIFT);
    long raw = baseMillis > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : baseMillis << shift;
    double jittered = raw * (0.9 + 0.2 * unitRandom);
    return Math.max(1L, jittered >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.round(jittered));
  }
}
