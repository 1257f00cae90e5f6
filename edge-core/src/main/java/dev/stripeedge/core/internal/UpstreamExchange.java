package dev.stripeedge.core.internal;

import dev.stripeedge.core.Attempt;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.RetryDecision;
import dev.stripeedge.core.RetryRule;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.UpstreamException;
import dev.stripeedge.core.budget.Admission;
import dev.stripeedge.core.budget.Budget;
import dev.stripeedge.core.budget.Permit;
import dev.stripeedge.core.isolation.Isolation;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * The stage that sends one request upstream: every attempt under the budget, the retry rule and the
 * request's deadline, ending in one {@link Exchange}. Thread-safe; never blocks (waits are the
 * budget's futures and the scheduler's).
 */
final class UpstreamExchange {

  private static final System.Logger log = System.getLogger(UpstreamExchange.class.getName());

  private final Upstream upstream;
  private final Budget budget;
  private final RetryConfig retryConfig;
  private final RetryRule retryRule;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final Duration attemptTimeout;
  private final EdgeMetrics metrics;
  private final @Nullable Isolation isolation;

  UpstreamExchange(
      Upstream upstream,
      Budget budget,
      RetryConfig retryConfig,
      RetryRule retryRule,
      Ticker ticker,
      Scheduler scheduler,
      Duration attemptTimeout,
      EdgeMetrics metrics,
      @Nullable Isolation isolation) {
    this.upstream = upstream;
    this.budget = budget;
    this.retryConfig = retryConfig;
    this.retryRule = retryRule;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.attemptTimeout = attemptTimeout;
    this.metrics = metrics;
    this.isolation = isolation;
  }

  /** All attempts of {@code request}; the future never fails (a failure is an outcome). */
  CompletableFuture<Exchange> run(EdgeRequest request, Route route) {
    Duration deadline = retryConfig.deadlineFor(request);
    long start = ticker.nanos();
    return attempt(new Attempts(request, route, start, deadline), 1, 0, 0);
  }

  /** What stays the same across one exchange's attempts. */
  private record Attempts(EdgeRequest request, Route route, long start, Duration deadline) {}

  /**
   * One attempt: isolation first (the route's breaker, a flagged key's bulkhead: both refuse at
   * once), then the budget (retries pay too), then upstream. A refusal ends the exchange with the
   * edge's own answer (the budget's 429, isolation's 503), which carries its {@code Retry-After}.
   */
  private CompletableFuture<Exchange> attempt(
      Attempts attempts, int number, long upstreamNanos, long queueNanos) {
    long asked = ticker.nanos();
    Duration left = attempts.deadline().minusNanos(asked - attempts.start());
    if (left.isNegative() || left.isZero()) {
      return CompletableFuture.completedFuture(
          pastDeadline(attempts.request(), number, upstreamNanos, queueNanos));
    }
    Isolation.Admitted isolated = null;
    if (isolation != null) {
      switch (isolation.enter(attempts.request(), attempts.route())) {
        case Isolation.Shed shed -> {
          return CompletableFuture.completedFuture(
              new Exchange(
                  new Exchange.Refused(shed.response()), number - 1, upstreamNanos, queueNanos));
        }
        case Isolation.Admitted admitted -> isolated = admitted;
      }
    }
    Isolation.Admitted pass = isolated;
    return budget
        .admit(attempts.request(), attempts.route(), left)
        .thenCompose(
            admission ->
                switch (admission) {
                  case Admission.Refused refused -> {
                    if (pass != null) {
                      pass.abandoned();
                    }
                    yield CompletableFuture.completedFuture(
                        new Exchange(
                            new Exchange.Refused(refused.response()),
                            number - 1,
                            upstreamNanos,
                            queueNanos + (ticker.nanos() - asked)));
                  }
                  case Admission.Admitted admitted ->
                      send(
                          attempts,
                          number,
                          upstreamNanos,
                          queueNanos + admitted.permit().queuedNanos(),
                          admitted.permit(),
                          pass);
                });
  }

  private CompletableFuture<Exchange> send(
      Attempts attempts,
      int number,
      long upstreamNanos,
      long queueNanos,
      Permit permit,
      Isolation.@Nullable Admitted pass) {
    EdgeRequest request = attempts.request();
    long began = ticker.nanos();
    Duration left = attempts.deadline().minusNanos(began - attempts.start());
    if (left.isNegative() || left.isZero()) {
      permit.release(null);
      if (pass != null) {
        pass.abandoned();
      }
      return CompletableFuture.completedFuture(
          pastDeadline(request, number, upstreamNanos, queueNanos));
    }
    if (pass != null) {
      pass.sending();
    }
    Duration timeout = left.compareTo(attemptTimeout) < 0 ? left : attemptTimeout;
    CompletableFuture<EdgeResponse> sent;
    try {
      sent = upstream.send(request, timeout);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    String tag = StripeRoutes.label(attempts.route());
    return sent.handle(
            (response, failure) -> {
              permit.release(response);
              long ended = ticker.nanos();
              Throwable cause = unwrap(failure);
              if (pass != null) {
                pass.done(
                    response != null ? response.status() : null, response == null ? cause : null);
              }
              metrics.upstream(
                  tag,
                  response != null ? Integer.toString(response.status()) : kind(cause),
                  ended - began);
              long total = upstreamNanos + (ended - began);
              Attempt attempt =
                  new Attempt(
                      request,
                      number,
                      response,
                      response == null ? cause : null,
                      Duration.ofNanos(ended - attempts.start()),
                      attempts.deadline());
              if (retryRule.decide(attempt) instanceof RetryDecision.Retry retry) {
                metrics.retry(tag);
                return scheduler
                    .after(retry.delay())
                    .thenCompose(ignored -> attempt(attempts, number + 1, total, queueNanos));
              }
              Exchange.Outcome outcome =
                  response != null ? new Exchange.Answered(response) : new Exchange.Failed(cause);
              return CompletableFuture.completedFuture(
                  new Exchange(outcome, number, total, queueNanos));
            })
        .thenCompose(future -> future);
  }

  private static Exchange pastDeadline(
      EdgeRequest request, int number, long upstreamNanos, long queueNanos) {
    UpstreamException failure =
        new UpstreamException(
            UpstreamException.Kind.TIMEOUT,
            "the deadline passed before " + request.method() + " " + request.path() + " completed",
            null);
    return new Exchange(new Exchange.Failed(failure), number - 1, upstreamNanos, queueNanos);
  }

  private static String kind(@Nullable Throwable failure) {
    return failure instanceof UpstreamException upstream
        ? upstream.kind().name().toLowerCase(Locale.ROOT)
        : "error";
  }

  private static Throwable unwrap(@Nullable Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause == null ? new IllegalStateException("no failure") : cause;
  }

  /** The client's answer for an exchange: upstream's response, or a Stripe-shaped error. */
  static EdgeResponse answer(Exchange exchange) {
    return answer(exchange, "");
  }

  /** {@link #answer(Exchange)}, with {@code note} ending the message of the edge's own error. */
  static EdgeResponse answer(Exchange exchange, String note) {
    return switch (exchange.outcome()) {
      case Exchange.Answered answered -> answered.response();
      case Exchange.Refused refused -> refused.response();
      case Exchange.Failed failed -> failure(failed.failure(), exchange.attempts(), note);
    };
  }

  private static EdgeResponse failure(Throwable failure, int attempts, String note) {
    if (failure instanceof UpstreamException upstream) {
      return switch (upstream.kind()) {
        case TIMEOUT ->
            StripeErrors.response(
                504,
                "api_connection_error",
                "The Stripe API did not answer in time (" + attempts + " attempts)." + note);
        case CONNECT, RESET ->
            StripeErrors.response(
                502,
                "api_connection_error",
                "The edge could not reach the Stripe API (" + attempts + " attempts)." + note);
      };
    }
    log.log(System.Logger.Level.ERROR, "upstream call failed unexpectedly", failure);
    return StripeErrors.response(
        502,
        "api_connection_error",
        "The edge could not complete the call to the Stripe API." + note);
  }
}
