package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeResponse;
import org.jspecify.annotations.Nullable;

/**
 * What the upstream exchange of one request (all its attempts) produced.
 *
 * @param outcome how it ended
 * @param attempts attempts sent upstream
 * @param upstreamNanos time spent waiting on upstream, delays excluded
 * @param queueNanos time spent waiting for budget before attempts
 */
record Exchange(Outcome outcome, int attempts, long upstreamNanos, long queueNanos) {

  /** How an exchange ended: a closed choice. */
  sealed interface Outcome {}

  /** Upstream answered (the last attempt's answer). */
  record Answered(EdgeResponse response) implements Outcome {}

  /**
   * The edge refused the next attempt, which Stripe never saw: the budget's 429, or isolation's 503
   * (an open breaker, a flagged key's full bulkhead). A 503 lets a stale entry stand in.
   */
  record Refused(EdgeResponse response) implements Outcome {}

  /** No answer: a timeout, a lost connection, the deadline, or a bug. */
  record Failed(Throwable failure) implements Outcome {}

  /** An exchange that failed before it began. */
  static Exchange failed(Throwable failure) {
    return new Exchange(new Failed(failure), 0, 0, 0);
  }

  /** The answer (upstream's, or the budget's refusal), or null when there was none. */
  @Nullable EdgeResponse response() {
    return switch (outcome) {
      case Answered answered -> answered.response();
      case Refused refused -> refused.response();
      case Failed failed -> null;
    };
  }

  /** Why there was no answer, or null. */
  @Nullable Throwable failure() {
    return outcome instanceof Failed failed ? failed.failure() : null;
  }

  /** No answer, or a server error: a stale entry may stand in. */
  boolean failed() {
    EdgeResponse response = response();
    return response == null || response.status() >= 500;
  }
}
