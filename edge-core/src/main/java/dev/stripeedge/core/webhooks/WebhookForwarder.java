package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.Secret;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Forwards queued events from a {@link WebhookOutbox} to the application, re-signed with each
 * target's secret ({@code Stripe-Signature: t=…,v1=…}, a fresh timestamp per attempt) so the
 * application verifies them with its Stripe SDK's own check.
 *
 * <p>A 2xx answer delivers; anything else (another status, a timeout, a refused connection) is
 * retried after {@link ForwardConfig#backoff}, and after {@link ForwardConfig#maxAttempts} the
 * delivery is dead until replayed. Deliveries run one at a time on the injected scheduler, in
 * queueing order; the outbox holds later events of an object back while an earlier one is pending,
 * so each target sees an object's events in order. Counts {@code stripe.edge.webhooks.forwarded},
 * {@code …forward.retried} and {@code …forward.dead}. Thread-safe; {@link #wake} never blocks.
 */
public final class WebhookForwarder {

  private static final System.Logger log = System.getLogger(WebhookForwarder.class.getName());
  private static final String INTERRUPTED = "interrupted";
  private static final int BATCH = 100;

  private final WebhookOutbox outbox;
  private final ForwardConfig config;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final RandomGenerator random;
  private final HttpClient http;
  private final Counter forwarded;
  private final Counter retried;
  private final Counter dead;

  private WebhookForwarder(
      WebhookOutbox outbox,
      ForwardConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      RandomGenerator random,
      MeterRegistry meters) {
    this.outbox = outbox;
    this.config = config;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(config.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.forwarded =
        Counter.builder("stripe.edge.webhooks.forwarded")
            .description("Events delivered to the application (2xx)")
            .register(meters);
    this.retried =
        Counter.builder("stripe.edge.webhooks.forward.retried")
            .description("Failed forwarding attempts that will be retried")
            .register(meters);
    this.dead =
        Counter.builder("stripe.edge.webhooks.forward.dead")
            .description("Deliveries given up after their last attempt (dead letters)")
            .register(meters);
  }

  /**
   * A forwarder draining {@code outbox}; nothing runs until {@link #start} or {@link #runOnce}.
   * {@code scheduler} should be single-threaded: it runs every pass.
   */
  public static WebhookForwarder of(
      WebhookOutbox outbox,
      ForwardConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      RandomGenerator random,
      MeterRegistry meters) {
    return new WebhookForwarder(outbox, config, clock, scheduler, random, meters);
  }

  /** Runs a pass now and then every {@code poll}, resuming whatever a previous run left pending. */
  public void start(Duration poll) {
    scheduler.scheduleWithFixedDelay(
        this::runQuietly, 0, Math.max(1, poll.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** Asks for a pass soon (a new event was queued or replayed); never blocks. */
  public void wake() {
    try {
      scheduler.execute(this::runQuietly);
    } catch (RejectedExecutionException e) {
      // Shutting down: the rows stay pending and the next start resumes them.
    }
  }

  private void runQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "webhook forwarding pass failed: " + e.getMessage());
    }
  }

  /**
   * One pass on the calling thread (blocking): every due delivery attempted once.
   *
   * @return how many attempts were made
   */
  public int runOnce() {
    int attempts = 0;
    while (true) {
      List<WebhookOutbox.Delivery> due = outbox.due(clock.instant(), BATCH);
      if (due.isEmpty() || Thread.currentThread().isInterrupted()) {
        return attempts;
      }
      for (WebhookOutbox.Delivery delivery : due) {
        attempt(delivery);
        attempts++;
      }
      if (due.size() < BATCH) {
        // A delivered event may have released a later one of the same object: look once more.
        List<WebhookOutbox.Delivery> released = outbox.due(clock.instant(), 1);
        if (released.isEmpty()) {
          return attempts;
        }
      }
    }
  }

  private void attempt(WebhookOutbox.Delivery delivery) {
    Secret target = config.targets().get(delivery.target());
    if (target == null) {
      outbox.dead(delivery.id(), delivery.attempts(), "target no longer configured");
      dead.increment();
      return;
    }
    String error = send(delivery, target.reveal());
    if (INTERRUPTED.equals(error)) {
      // Shutting down mid-attempt: not the target's fault; the row stays as it was.
      return;
    }
    if (error == null) {
      outbox.delivered(delivery.id());
      forwarded.increment();
      return;
    }
    int failed = delivery.attempts() + 1;
    if (failed >= config.maxAttempts()) {
      outbox.dead(delivery.id(), failed, error);
      dead.increment();
      log.log(
          System.Logger.Level.WARNING,
          "forwarding {0} to {1} is dead after {2} attempts: {3}",
          delivery.eventId(),
          delivery.target(),
          failed,
          error);
      return;
    }
    Instant next = clock.instant().plus(config.backoff(failed, random.nextDouble()));
    outbox.retryLater(delivery.id(), failed, next, error);
    retried.increment();
  }

  /** Null when delivered, else why not. */
  private @Nullable String send(WebhookOutbox.Delivery delivery, String secret) {
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(URI.create(delivery.target()))
              .timeout(config.timeout())
              .header("Content-Type", "application/json; charset=utf-8")
              .header("User-Agent", "stripe-edge")
              .header(
                  "Stripe-Signature", StripeSignature.header(secret, timestamp, delivery.payload()))
              .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.payload()))
              .build();
    } catch (IllegalArgumentException e) {
      return "bad target: " + e.getMessage();
    }
    try {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      return status >= 200 && status < 300 ? null : "HTTP " + status;
    } catch (HttpTimeoutException e) {
      return "timeout after " + config.timeout().toMillis() + " ms";
    } catch (IOException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return INTERRUPTED;
    }
  }
}
