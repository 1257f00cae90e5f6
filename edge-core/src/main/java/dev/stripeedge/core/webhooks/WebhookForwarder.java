package dev.stripeedge.core.webhooks;

import dev.stripeedge.core.Secret;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Forwards queued events from a {@link WebhookOutbox} to the application, re-signed with each
 * target's secret ({@code Stripe-Signature: t=…,v1=…}, a fresh timestamp per attempt) so the
 * application verifies them with its Stripe SDK's own check. At least once: the application dedupes
 * on the event id; {@value #DELIVERY_HEADER} and {@value #ATTEMPT_HEADER} tell a retry from a
 * second sending of the same attempt.
 *
 * <p>A 2xx answer delivers; anything else (another status, a timeout, a refused connection) is
 * retried after {@link ForwardConfig#backoff}, and after {@link ForwardConfig#maxAttempts} the
 * delivery is dead until replayed. Each target has a lane of its own: its due deliveries, in
 * queueing order, at most {@link ForwardConfig#perTarget} in flight on the injected senders, so a
 * slow or failing target delays only itself; its backlog and the age of its oldest due delivery are
 * {@link #lanes visible}. The outbox holds later events of an object back while an earlier one is
 * pending, so each target sees an object's events in order. Counts {@code
 * stripe.edge.webhooks.forwarded}, {@code …forward.retried} and {@code …forward.dead}; gauges
 * {@code …forward.backlog}, {@code …forward.age} and {@code …forward.in.flight} per target (from
 * the configured set). Thread-safe; {@link #wake} never blocks.
 */
public final class WebhookForwarder {

  /** The outbox row a forward comes from: one per event and target, the same on every attempt. */
  public static final String DELIVERY_HEADER = "Stripe-Edge-Delivery";

  /** Which attempt of its delivery a forward is, from 1. */
  public static final String ATTEMPT_HEADER = "Stripe-Edge-Attempt";

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
  private final Executor senders;
  private final boolean async;
  private final Map<String, Lane> lanes = new LinkedHashMap<>();

  /** One target's lane: what it has in flight, and what waits. Thread-safe. */
  private static final class Lane {
    final String target;
    final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    // Deliveries whose send finished, by when (a number from sequence): a read of the outbox
    // begun before that may still list them as due, though they have left inFlight.
    final Map<Long, Long> finished = new ConcurrentHashMap<>();
    final AtomicLong sequence = new AtomicLong();
    volatile int backlog;
    volatile @Nullable Instant oldestDue;

    Lane(String target) {
      this.target = target;
    }
  }

  /**
   * A target's lane as seen at its last pass.
   *
   * @param target the URL
   * @param inFlight deliveries being sent now
   * @param backlog due deliveries waiting (at most one batch counted)
   * @param oldestDueAge how long the oldest due delivery has waited past its due time
   */
  public record TargetLane(String target, int inFlight, int backlog, Duration oldestDueAge) {}

  private WebhookForwarder(
      WebhookOutbox outbox,
      ForwardConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      @Nullable Executor senders,
      RandomGenerator random,
      MeterRegistry meters) {
    this.outbox = outbox;
    this.config = config;
    this.clock = clock;
    this.scheduler = scheduler;
    this.senders = senders != null ? senders : Runnable::run;
    this.async = senders != null;
    this.random = random;
    for (String target : config.targets().keySet()) {
      Lane lane = new Lane(target);
      lanes.put(target, lane);
      Gauge.builder("stripe.edge.webhooks.forward.backlog", lane, l -> l.backlog)
          .description("Due deliveries waiting per forward target")
          .tag("target", target)
          .register(meters);
      Gauge.builder("stripe.edge.webhooks.forward.in.flight", lane, l -> l.inFlight.size())
          .description("Deliveries being sent per forward target")
          .tag("target", target)
          .register(meters);
      Gauge.builder("stripe.edge.webhooks.forward.age", lane, l -> ageOf(l).toMillis() / 1000.0)
          .description("Seconds the oldest due delivery of a forward target has waited")
          .tag("target", target)
          .baseUnit("seconds")
          .register(meters);
    }
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
   * A forwarder draining {@code outbox} that sends on the pass's own thread (one delivery at a
   * time: {@link #runOnce} returns once each due delivery was attempted); nothing runs until {@link
   * #start} or {@link #runOnce}. {@code scheduler} should be single-threaded: it runs every pass.
   */
  public static WebhookForwarder of(
      WebhookOutbox outbox,
      ForwardConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      RandomGenerator random,
      MeterRegistry meters) {
    return new WebhookForwarder(outbox, config, clock, scheduler, null, random, meters);
  }

  /**
   * A forwarder whose deliveries are sent on {@code senders} (blocking calls: virtual threads
   * suit), at most {@link ForwardConfig#perTarget} per target at once; a finished delivery wakes
   * the next pass.
   */
  public static WebhookForwarder of(
      WebhookOutbox outbox,
      ForwardConfig config,
      Clock clock,
      ScheduledExecutorService scheduler,
      Executor senders,
      RandomGenerator random,
      MeterRegistry meters) {
    return new WebhookForwarder(outbox, config, clock, scheduler, senders, random, meters);
  }

  /** Each configured target's lane as of its last pass. */
  public List<TargetLane> lanes() {
    return lanes.values().stream()
        .map(lane -> new TargetLane(lane.target, lane.inFlight.size(), lane.backlog, ageOf(lane)))
        .toList();
  }

  private Duration ageOf(Lane lane) {
    Instant oldest = lane.oldestDue;
    if (oldest == null) {
      return Duration.ZERO;
    }
    Duration age = Duration.between(oldest, clock.instant());
    return age.isNegative() ? Duration.ZERO : age;
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
   * One pass on the calling thread: each target's due deliveries started, as many as its lane has
   * room for. Sending on the pass's thread, it blocks until each was attempted once.
   *
   * @return how many attempts were started
   */
  public int runOnce() {
    int attempts = 0;
    // Deliveries for a target no longer configured have no lane: dead, as they always were.
    for (WebhookOutbox.Delivery stray : outbox.due(clock.instant(), BATCH)) {
      if (!lanes.containsKey(stray.target())) {
        attempt(stray);
      }
    }
    while (!Thread.currentThread().isInterrupted()) {
      int started = 0;
      for (Lane lane : lanes.values()) {
        started += dispatch(lane);
      }
      attempts += started;
      // Sending here: a delivered event may have released a later one of its object, look again.
      if (started == 0 || async) {
        return attempts;
      }
    }
    return attempts;
  }

  /**
   * Starts what {@code lane} has room for; returns how many. One pass at a time per lane (a pass
   * may be called while a scheduled one runs): what one pass forgets of {@link Lane#finished}
   * another's older read may still need.
   */
  private int dispatch(Lane lane) {
    synchronized (lane) {
      return dispatchHeld(lane);
    }
  }

  private int dispatchHeld(Lane lane) {
    int room = config.perTarget() - lane.inFlight.size();
    Instant now = clock.instant();
    long readFrom = lane.sequence.get();
    List<WebhookOutbox.Delivery> due = outbox.due(now, lane.target, BATCH);
    // A send that settled while this read ran may be in it as due and already out of inFlight:
    // sent again, it reached the app twice with the same attempt (bench fleet, issue 16).
    List<WebhookOutbox.Delivery> waiting =
        due.stream()
            .filter(delivery -> !lane.inFlight.contains(delivery.id()))
            .filter(delivery -> lane.finished.getOrDefault(delivery.id(), 0L) <= readFrom)
            .toList();
    // Sends finished before this read began are in it as they settled; forget them.
    lane.finished.values().removeIf(finishedAt -> finishedAt <= readFrom);
    lane.backlog = waiting.size();
    lane.oldestDue = waiting.isEmpty() ? null : waiting.get(0).nextAttemptAt();
    int started = 0;
    for (WebhookOutbox.Delivery delivery : waiting) {
      if (started >= room || !lane.inFlight.add(delivery.id())) {
        break;
      }
      started++;
      try {
        senders.execute(() -> send(lane, delivery));
      } catch (RejectedExecutionException e) {
        // Shutting down: the row stays pending and the next start resumes it.
        lane.inFlight.remove(delivery.id());
        return started - 1;
      }
    }
    return started;
  }

  private void send(Lane lane, WebhookOutbox.Delivery delivery) {
    try {
      attempt(delivery);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "forwarding to " + lane.target + " failed: " + e);
    } finally {
      // Noted finished before it leaves inFlight: a pass never sees it in neither.
      lane.finished.put(delivery.id(), lane.sequence.incrementAndGet());
      lane.inFlight.remove(delivery.id());
      if (async) {
        wake();
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
              // At-least-once: an attempt whose 2xx the edge did not record (a slow answer, a
              // crash) is sent again. The app dedupes on the event id; these two let it (and bench
              // fleet) tell a retry (same delivery, next attempt) from one delivery sent twice.
              .header(DELIVERY_HEADER, Long.toString(delivery.id()))
              .header(ATTEMPT_HEADER, Integer.toString(delivery.attempts() + 1))
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
