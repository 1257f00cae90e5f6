package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeResponse;
import java.time.Duration;

/** What the {@link Budget} decided for one upstream attempt: a closed choice. */
public sealed interface Admission {

  /**
   * The attempt may go now; the caller must {@link Permit#release} once it has an outcome.
   *
   * @param permit the budget taken
   */
  record Admitted(Permit permit) implements Admission {}

  /**
   * The attempt must not go: the budget cannot serve it in time.
   *
   * @param response a Stripe-shaped 429 with {@code Retry-After} and {@code Stripe-Edge-Refused}
   * @param retryAfter when a retry may find room
   */
  record Refused(EdgeResponse response, Duration retryAfter) implements Admission {}
}
