package dev.stripeedge.core.tier;

import java.time.Duration;

/**
 * How the pipeline treats one {@link CacheTier}: how long a lookup may take, and when a failing
 * tier is bypassed.
 *
 * @param timeout longest wait for a lookup; a request never waits longer on this tier, and a slower
 *     answer counts as a failure
 * @param writeTimeout longest wait for a put or an invalidation (in the background: they never
 *     delay an answer) before it counts as a failure
 * @param failuresToBypass consecutive failures after which the tier is bypassed
 * @param bypassFor how long a failing tier is bypassed before a background probe checks it again
 */
public record TierConfig(
    Duration timeout, Duration writeTimeout, int failuresToBypass, Duration bypassFor) {

  public TierConfig {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("tier timeout must be positive: " + timeout);
    }
    if (writeTimeout.isNegative() || writeTimeout.isZero()) {
      throw new IllegalArgumentException("tier writeTimeout must be positive: " + writeTimeout);
    }
    if (failuresToBypass < 1) {
      throw new IllegalArgumentException(
          "tier failuresToBypass must be positive: " + failuresToBypass);
    }
    if (bypassFor.isNegative() || bypassFor.isZero()) {
      throw new IllegalArgumentException("tier bypassFor must be positive: " + bypassFor);
    }
  }

  /** 50 ms lookups, 2 s writes, bypassed for 10 s after 5 failures in a row. */
  public static TierConfig defaults() {
    return new TierConfig(Duration.ofMillis(50), Duration.ofSeconds(2), 5, Duration.ofSeconds(10));
  }

  public TierConfig withTimeout(Duration value) {
    return new TierConfig(value, writeTimeout, failuresToBypass, bypassFor);
  }

  public TierConfig withBypass(int failures, Duration duration) {
    return new TierConfig(timeout, writeTimeout, failures, duration);
  }
}
