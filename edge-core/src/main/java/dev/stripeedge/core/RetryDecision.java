package dev.stripeedge.core;

import java.time.Duration;

/** Whether to try an upstream call again: a closed choice returned by a {@link RetryRule}. */
public sealed interface RetryDecision {

  /**
   * Try again after {@code delay}.
   *
   * @param delay wait before the next attempt, never negative
   */
  record Retry(Duration delay) implements RetryDecision {
    public Retry {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative: " + delay);
      }
    }
  }

  /**
   * Stop and hand the last outcome to the client.
   *
   * @param reason short, stable, for logs and metrics ({@code status}, {@code attempts}, {@code
   *     deadline}, {@code should-retry-false}, {@code no-idempotency-key})
   */
  record GiveUp(String reason) implements RetryDecision {}
}
