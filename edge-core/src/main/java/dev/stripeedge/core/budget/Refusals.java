package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.internal.StripeErrors;
import java.time.Duration;
import java.util.Map;

/** When the budget refuses an attempt, and how the refusal reads: pure rules. */
final class Refusals {

  private Refusals() {}

  /**
   * Nanoseconds until a waiter would be admitted if the lanes now waiting keep waiting: its place
   * in its lane over the lane's rate, or its place among its endpoint's waiters over the endpoint's
   * rate, whichever is longer; each rate times {@code share}, this edge's part of it when shared.
   */
  static long estimateNanos(
      int position, double laneRate, int sameEndpoint, double endpointRate, double share) {
    double seconds = position / (laneRate * share);
    seconds = Math.max(seconds, sameEndpoint / (endpointRate * share));
    return (long) Math.ceil(seconds * 1e9);
  }

  /** The 429 the edge answers in Stripe's shape when it refuses an attempt. */
  static EdgeResponse response(Lane lane, Duration retryAfter) {
    long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    return StripeErrors.response(
            429,
            "invalid_request_error",
            "rate_limit",
            "The edge refused the request: this account's "
                + lane.tag()
                + " budget cannot serve it in time. Retry after "
                + seconds
                + " s.")
        .withHeaders(Map.of("Retry-After", Long.toString(seconds), EdgeHeaders.REFUSED, "budget"));
  }
}
