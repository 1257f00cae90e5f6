package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.Secret;
import java.time.Duration;
import java.util.Map;

/**
 * How the edge forwards verified events to the application's own webhook endpoints.
 *
 * @param targets each endpoint's URL and the {@code whsec_…} secret the application verifies with
 * @param maxAttempts attempts per delivery, the first included; then it is dead
 * @param base first backoff ceiling; doubles per failed attempt, with jitter (half to all of it)
 * @param cap largest backoff ceiling
 * @param timeout one attempt's limit (connect and answer)
 * @param perTarget deliveries in flight at once per target: a slow target holds only its own
 */
public record ForwardConfig(
    Map<String, Secret> targets,
    int maxAttempts,
    Duration base,
    Duration cap,
    Duration timeout,
    int perTarget) {

  /** Deliveries in flight per target unless configured. */
  public static final int PER_TARGET = 4;

  /** With {@link #PER_TARGET} deliveries in flight per target. */
  public ForwardConfig(
      Map<String, Secret> targets, int maxAttempts, Duration base, Duration cap, Duration timeout) {
    this(targets, maxAttempts, base, cap, timeout, PER_TARGET);
  }

  public ForwardConfig {
    targets = Map.copyOf(targets);
    targets.forEach(
        (url, secret) -> {
          if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("a forward target must be an http(s) URL: " + url);
          }
          if (secret.isEmpty()) {
            // The URL names the target; never the secret in a message.
            throw new IllegalArgumentException("the secret of forward target " + url + " is blank");
          }
        });
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be positive: " + maxAttempts);
    }
    if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < base <= cap: base=" + base + " cap=" + cap);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    if (perTarget < 1) {
      throw new IllegalArgumentException("perTarget must be positive: " + perTarget);
    }
  }

  /**
   * The delay before the next attempt after {@code failedAttempts} failures: the ceiling {@code
   * base·2^(failedAttempts-1)}, capped, scaled by {@code 0.5 + random/2} so retries spread out but
   * never come at once. A pure function ({@code random} in [0, 1)).
   */
  public Duration backoff(int failedAttempts, double random) {
    long ceiling = base.toMillis();
    for (int i = 1; i < failedAttempts && ceiling < cap.toMillis(); i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, cap.toMillis());
    return Duration.ofMillis(Math.round(ceiling * (0.5 + random / 2)));
  }

  @Override
  public String toString() {
    // Never the secrets.
    return "ForwardConfig[targets="
        + targets.keySet()
        + ", maxAttempts="
        + maxAttempts
        + ", base="
        + base
        + ", cap="
        + cap
        + ", timeout="
        + timeout
        + ", perTarget="
        + perTarget
        + "]";
  }
}
