package dev.stripeedge.core.budget;

import java.time.Duration;

/**
 * How the shaper takes an account's global and per-endpoint tokens from a {@link SharedBudget}
 * shared with other edge instances.
 *
 * @param leaseSize tokens asked for at once: fewer round trips per request, but up to this many
 *     tokens an idle edge holds back from the others (and loses when they expire); capped by the
 *     bucket's capacity
 * @param leaseTtl how long leased tokens may be spent: short, so tokens granted in one moment are
 *     not spent as a burst much later, and an edge that dies holds nothing for long
 * @param timeout a lease or heartbeat slower than this counts as a failure: the edge falls back to
 *     its local fair share at once
 * @param heartbeat how often the edge announces itself (and, while on its local share, checks
 *     whether the store answers again); edges not heard of for three of these count as gone
 */
public record SharedBudgetConfig(
    int leaseSize, Duration leaseTtl, Duration timeout, Duration heartbeat) {

  public SharedBudgetConfig {
    if (leaseSize < 1) {
      throw new IllegalArgumentException("leaseSize must be at least 1: " + leaseSize);
    }
    for (Duration value : new Duration[] {leaseTtl, timeout, heartbeat}) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(
            "leaseTtl, timeout and heartbeat must be positive: leaseTtl="
                + leaseTtl
                + " timeout="
                + timeout
                + " heartbeat="
                + heartbeat);
      }
    }
  }

  /** Leases of 5 tokens spent within 250 ms, a 100 ms timeout, a heartbeat each second. */
  public static SharedBudgetConfig defaults() {
    return new SharedBudgetConfig(
        5, Duration.ofMillis(250), Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  public SharedBudgetConfig withLeaseSize(int value) {
    return new SharedBudgetConfig(value, leaseTtl, timeout, heartbeat);
  }

  public SharedBudgetConfig withTimeout(Duration value) {
    return new SharedBudgetConfig(leaseSize, leaseTtl, value, heartbeat);
  }

  public SharedBudgetConfig withHeartbeat(Duration value) {
    return new SharedBudgetConfig(leaseSize, leaseTtl, timeout, value);
  }

  /** How long an edge that stopped announcing still counts as alive. */
  Duration edgeTtl() {
    return heartbeat.multipliedBy(3);
  }
}
