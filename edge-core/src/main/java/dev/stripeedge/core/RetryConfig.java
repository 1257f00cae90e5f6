package dev.stripeedge.core;

import java.time.Duration;

/**
 * Retry limits: exponential backoff with full jitter between {@code base} and {@code cap}, at most
 * {@code maxAttempts} attempts, all within {@code deadline}. Immutable.
 *
 * <p>A client may lower the deadline of one request with the header {@value #DEADLINE_HEADER}
 * (milliseconds); it can never raise it.
 *
 * @param base upper bound of the first retry's delay
 * @param cap upper bound of any delay
 * @param maxAttempts attempts in all, the first included; 1 turns retries off
 * @param deadline time for all attempts of one request, delays included
 */
public record RetryConfig(Duration base, Duration cap, int maxAttempts, Duration deadline) {

  /** Request header with which a client lowers the deadline, in milliseconds. */
  public static final String DEADLINE_HEADER = EdgeHeaders.DEADLINE_MS;

  public RetryConfig {
    if (base.isNegative() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= base <= cap: base=%s cap=%s".formatted(base, cap));
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    }
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }
  }

  /** 100 ms base, 2 s cap, 3 attempts, 30 s deadline. */
  public static RetryConfig defaults() {
    return new RetryConfig(
        Duration.ofMillis(100), Duration.ofSeconds(2), 3, Duration.ofSeconds(30));
  }

  public RetryConfig withMaxAttempts(int value) {
    return new RetryConfig(base, cap, value, deadline);
  }

  public RetryConfig withDeadline(Duration value) {
    return new RetryConfig(base, cap, maxAttempts, value);
  }

  public RetryConfig withBackoff(Duration newBase, Duration newCap) {
    return new RetryConfig(newBase, newCap, maxAttempts, deadline);
  }

  /**
   * The deadline for {@code request}: the configured one, lowered by a valid {@value
   * #DEADLINE_HEADER}; malformed or non-positive values are ignored.
   */
  public Duration deadlineFor(EdgeRequest request) {
    String asked = request.header(DEADLINE_HEADER);
    if (asked == null) {
      return deadline;
    }
    try {
      long millis = Long.parseLong(asked.strip());
      if (millis > 0 && millis < deadline.toMillis()) {
        return Duration.ofMillis(millis);
      }
    } catch (NumberFormatException e) {
      // A bad hint must not fail the request; the configured deadline still bounds it.
    }
    return deadline;
  }
}
