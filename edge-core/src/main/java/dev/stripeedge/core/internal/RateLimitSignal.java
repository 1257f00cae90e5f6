package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeResponse;
import org.jspecify.annotations.Nullable;

/**
 * What a 429 from Stripe says, parsed once: the limiter it names ({@code
 * Stripe-Rate-Limited-Reason}) and whether it is a lock timeout. Shared by the retry rule (may the
 * attempt be sent again) and the budget shaper (which rate to cut, which object to serialise).
 *
 * @param limiter the limiter named, or null when the 429 names none (Stripe's docs: then it is not
 *     a rate limiter)
 * @param lockTimeout whether the error's code is {@code lock_timeout}
 */
public record RateLimitSignal(@Nullable Limiter limiter, boolean lockTimeout) {

  /** The limiters Stripe names in {@code Stripe-Rate-Limited-Reason}. */
  public enum Limiter {
    GLOBAL_RATE("global-rate"),
    ENDPOINT_RATE("endpoint-rate"),
    GLOBAL_CONCURRENCY("global-concurrency"),
    ENDPOINT_CONCURRENCY("endpoint-concurrency"),
    /** Updates per PaymentIntent per hour: does not clear within a request's deadline. */
    RESOURCE_SPECIFIC("resource-specific"),
    /** A name this edge does not know yet. */
    OTHER("other");

    private final String header;

    Limiter(String header) {
      this.header = header;
    }

    /** The header's value, which is also the bounded metric tag of a cut. */
    public String header() {
      return header;
    }

    static Limiter named(String header) {
      for (Limiter limiter : values()) {
        if (limiter != OTHER && limiter.header.equals(header)) {
          return limiter;
        }
      }
      return OTHER;
    }
  }

  /** The signal of {@code response}, or null when it is not a 429. */
  public static @Nullable RateLimitSignal of(@Nullable EdgeResponse response) {
    if (response == null || response.status() != 429) {
      return null;
    }
    String reason = response.header("stripe-rate-limited-reason");
    return new RateLimitSignal(
        reason == null ? null : Limiter.named(reason),
        StripeErrors.code(response.body()).equals("lock_timeout"));
  }

  /**
   * Whether one of Stripe's rate or concurrency limiters stopped the request before anything was
   * done, and clears within a request's deadline (the resource-specific limiter does not).
   */
  public boolean clearsSoon() {
    return limiter != null && limiter != Limiter.RESOURCE_SPECIFIC;
  }
}
