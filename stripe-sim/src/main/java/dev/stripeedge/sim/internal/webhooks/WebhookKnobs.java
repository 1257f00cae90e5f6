package dev.stripeedge.sim.internal.webhooks;

/**
 * Timing and fault-injection settings for webhook delivery, read afresh for each decision so they
 * can change at runtime.
 *
 * <p>Immutable and thread-safe; the constructor throws {@link IllegalArgumentException} for
 * negative durations, {@code maxAttempts < 1}, {@code timeoutMillis < 1} or rates outside [0, 1].
 *
 * @param delayMillis wait before the first attempt
 * @param retryBaseMillis backoff before attempt {@code n+1} is {@code retryBaseMillis * 2^(n-1)}
 * @param maxAttempts attempts before giving up, at least 1
 * @param timeoutMillis time allowed for one attempt to get a response status
 * @param dropRate probability that a delivery is never attempted
 * @param duplicateRate probability that a delivery is sent a second time
 * @param reorderRate probability that a delivery is held back so later ones overtake it
 * @param reorderWindowMillis upper bound of the extra hold and of the duplicate's lag
 */
public record WebhookKnobs(
    long delayMillis,
    long retryBaseMillis,
    int maxAttempts,
    long timeoutMillis,
    double dropRate,
    double duplicateRate,
    double reorderRate,
    long reorderWindowMillis) {

  /** Validates the ranges described on the record. */
  public WebhookKnobs {
    requireNonNegative("delayMillis", delayMillis);
    requireNonNegative("retryBaseMillis", retryBaseMillis);
    requireNonNegative("reorderWindowMillis", reorderWindowMillis);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    }
    if (timeoutMillis < 1) {
      throw new IllegalArgumentException("timeoutMillis must be >= 1: " + timeoutMillis);
    }
    requireRate("dropRate", dropRate);
    requireRate("duplicateRate", duplicateRate);
    requireRate("reorderRate", reorderRate);
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0: " + value);
    }
  }

  private static void requireRate(String name, double value) {
    // Written as a negated range so NaN is rejected too.
    if (!(value >= 0.0 && value <= 1.0)) {
      throw new IllegalArgumentException(name + " must be within [0, 1]: " + value);
    }
  }
}
