package dev.stripeedge.core.internal;

import dev.stripeedge.core.Attempt;
import dev.stripeedge.core.Backoff;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.RetryDecision;
import dev.stripeedge.core.RetryRule;
import dev.stripeedge.core.UpstreamException;
import java.time.Duration;
import java.util.random.RandomGenerator;

/** {@link RetryRule#stripe}. Thread-safe when its random source is. */
public final class DefaultRetryRule implements RetryRule {

  private final RetryConfig config;
  private final RandomGenerator random;

  public DefaultRetryRule(RetryConfig config, RandomGenerator random) {
    this.config = config;
    this.random = random;
  }

  @Override
  public RetryDecision decide(Attempt attempt) {
    String verdict = retryable(attempt);
    if (verdict != null) {
      return new RetryDecision.GiveUp(verdict);
    }
    if (attempt.number() >= config.maxAttempts()) {
      return new RetryDecision.GiveUp("attempts");
    }
    Duration delay = delay(attempt.number());
    // A retry that cannot finish before the deadline only delays the inevitable answer.
    if (attempt.elapsed().plus(delay).compareTo(attempt.deadline()) >= 0) {
      return new RetryDecision.GiveUp("deadline");
    }
    return new RetryDecision.Retry(delay);
  }

  /** Null when the outcome is worth another attempt, otherwise the reason it is not. */
  private static @org.jspecify.annotations.Nullable String retryable(Attempt attempt) {
    boolean post = attempt.request().method().equals("POST");
    EdgeResponse response = attempt.response();
    if (response == null) {
      if (!(attempt.failure() instanceof UpstreamException)) {
        return "failure";
      }
      // Upstream may have acted on a reset or timed-out POST: only a key makes a retry safe.
      return post && attempt.request().header("idempotency-key") == null
          ? "no-idempotency-key"
          : null;
    }
    int status = response.status();
    if (status < 400) {
      return "status";
    }
    // Stripe's own verdict comes first, as in its SDKs: false even overrides a 5xx.
    String should = response.header("stripe-should-retry");
    if ("false".equals(should)) {
      return "should-retry-false";
    }
    RateLimitSignal limited = RateLimitSignal.of(response);
    if (limited != null && limited.clearsSoon()) {
      // Stripe's limiters answer before anything is done, so even a keyless POST is safe to send
      // again; the next attempt waits for budget, which this 429 has just cut.
      return null;
    }
    if (post && attempt.request().header("idempotency-key") == null) {
      return "no-idempotency-key";
    }
    if ("true".equals(should)) {
      return null;
    }
    if (status == 409 || status >= 500) {
      return null;
    }
    if (limited != null && limited.lockTimeout()) {
      return null;
    }
    // Other 4xx are final.
    return "status";
  }

  private Duration delay(int attemptNumber) {
    return Backoff.full(config.base(), config.cap(), attemptNumber, random);
  }
}
