package dev.stripeedge.core;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff: the ceiling {@code min(cap, base·2^(n-1))} of attempt {@code n}, and a delay
 * drawn under it. One computation for the upstream retry rule, the asynchronous writes' deliveries
 * and their callbacks. Pure.
 */
public final class Backoff {

  private Backoff() {}

  /** {@code min(cap, base·2^(attempt-1))}; doubling stops at the cap, so it never overflows. */
  public static Duration ceiling(Duration base, Duration cap, int attempt) {
    long capNanos = cap.toNanos();
    long ceiling = base.toNanos();
    for (int i = 1; i < attempt && ceiling < capNanos; i++) {
      ceiling = ceiling > capNanos / 2 ? capNanos : ceiling * 2;
    }
    return Duration.ofNanos(Math.max(0, Math.min(ceiling, capNanos)));
  }

  /** Full jitter: uniform in {@code [0, ceiling]}. */
  public static Duration full(Duration base, Duration cap, int attempt, RandomGenerator random) {
    long ceiling = ceiling(base, cap, attempt).toNanos();
    return ceiling == 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(ceiling + 1));
  }

  /**
   * Half jitter: uniform in {@code [ceiling/2, ceiling]}, for a sender that must not come back at
   * once (a callback whose receiver just failed).
   */
  public static Duration half(Duration base, Duration cap, int attempt, RandomGenerator random) {
    long ceiling = ceiling(base, cap, attempt).toNanos();
    return ceiling == 0
        ? Duration.ZERO
        : Duration.ofNanos(random.nextLong(ceiling / 2, ceiling + 1));
  }
}
