package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.internal.StripeErrors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The applying side of {@link AsyncWrites}: claims due writes from the queue, sends each through
 * the pipeline (the budget, its lane, the retry rule) under the key fixed at acceptance, and
 * records the outcome by {@link DeliveryRule} (finished, or back in the queue after a backoff);
 * each round also sends due callbacks, purges old results and refreshes the gauges.
 *
 * <p>Rounds and outcome recording run on {@code worker} (one thread), so the queue sees one caller
 * at a time from here.
 */
final class WriteWorkers {

  private static final System.Logger log = System.getLogger(AsyncWrites.class.getName());
  private static final String BACKGROUND = "u=6";

  private final EdgePipeline pipeline;
  private final WorkQueue queue;
  private final AsyncWriteConfig config;
  private final DeliveryRule deliveryRule;
  private final Clock clock;
  private final Executor worker;
  private final AsyncMeters meters;
  private final CallbackSender callbacks;
  private final CredentialSeal seal;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Instant lastPurge = Instant.EPOCH;
  private volatile Instant lastLanes = Instant.EPOCH;

  WriteWorkers(
      EdgePipeline pipeline,
      WorkQueue queue,
      CredentialSeal seal,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      Executor worker,
      AsyncMeters meters,
      CallbackSender callbacks) {
    this.pipeline = pipeline;
    this.queue = queue;
    this.seal = seal;
    this.config = config;
    this.deliveryRule = new DeliveryRule(config, random);
    this.clock = clock;
    this.worker = worker;
    this.meters = meters;
    this.callbacks = callbacks;
  }

  /** See {@link AsyncWrites#runOnce}. */
  void runOnce() {
    Instant now = clock.instant();
    int free = config.concurrency() - inFlight.get();
    // An accepting-only edge (poll off) leaves the queue to the process that applies its writes.
    if (config.poll() && free > 0) {
      for (Delivery delivery : queue.poll(free, now, config.visibilityTimeout())) {
        inFlight.incrementAndGet();
        deliver(delivery);
      }
    }
    callbacks.sendDue(now);
    if (Duration.between(lastPurge, now).compareTo(Duration.ofMinutes(1)) >= 0) {
      lastPurge = now;
      int purged = queue.purge(now.minus(config.retention()));
      if (purged > 0) {
        log.log(System.Logger.Level.INFO, "purged " + purged + " finished asynchronous writes");
      }
    }
    // Grouping queries under the queue's lock (enqueue waits on it): once a second is enough for
    // a gauge, not every poll.
    if (Duration.between(lastLanes, now).compareTo(Duration.ofSeconds(1)) >= 0) {
      lastLanes = now;
      meters.snapshot(queue.counts(), queue.oldestUnfinished());
      meters.lanes(queue.backlogByLane());
    }
  }

  /** {@link #runOnce}, a failure logged instead of ending the schedule. */
  void tickQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "asynchronous write worker: " + e);
    }
  }

  private void deliver(Delivery delivery) {
    EdgeRequest request;
    CompletableFuture<EdgeResponse> answered;
    try {
      request = seal.open(delivery.write());
      if (request.header("priority") == null) {
        request = request.withHeader("Priority", BACKGROUND);
      }
      answered = pipeline.handle(request);
    } catch (CredentialSeal.Unreadable e) {
      unreadable(delivery, e.why());
      return;
    } catch (RuntimeException e) {
      // A bug before the pipeline answered must not keep this slot taken for good: the lease runs
      // out and the write is delivered again, under the same key.
      inFlight.decrementAndGet();
      log.log(
          System.Logger.Level.WARNING,
          "delivering write " + delivery.write().id() + " failed: " + e);
      return;
    }
    answered.whenCompleteAsync(
        (response, failure) -> {
          try {
            record(delivery, failure == null ? response : null);
          } catch (RuntimeException e) {
            // The lease runs out and the write is delivered again, under the same key.
            log.log(
                System.Logger.Level.WARNING,
                "recording write " + delivery.write().id() + " failed: " + e);
          } finally {
            inFlight.decrementAndGet();
          }
        },
        worker);
  }

  private void record(Delivery delivery, @Nullable EdgeResponse response) {
    Instant now = clock.instant();
    EdgeResponse answer = noAnswer(response) ? null : response;
    DeliveryRule.Decision decision =
        deliveryRule.decide(delivery.attempt(), answer, delivery.write().acceptedAt(), now);
    int status = response == null ? 0 : response.status();
    String requestId = response == null ? null : response.header("request-id");
    byte[] body = response == null ? new byte[0] : response.body();
    String lane = delivery.write().lane();
    switch (decision) {
      case DeliveryRule.Decision.Succeeded ok -> {
        queue.finish(delivery, WriteState.SUCCEEDED, status, requestId, body, "", now);
        meters.count("succeeded");
        meters.countInLane(lane, "succeeded");
      }
      case DeliveryRule.Decision.Failed failed -> {
        queue.finish(delivery, WriteState.FAILED, status, requestId, body, "", now);
        meters.count("failed");
        meters.countInLane(lane, "failed");
      }
      case DeliveryRule.Decision.Dead dead -> {
        queue.finish(delivery, WriteState.DEAD, status, requestId, body, dead.reason(), now);
        meters.count("dead");
        meters.countInLane(lane, "dead");
        log.log(
            System.Logger.Level.WARNING,
            "asynchronous write " + delivery.write().id() + " is dead: " + dead.reason());
      }
      case DeliveryRule.Decision.Held held -> {
        // Not sent: waits out the breaker (its Retry-After) without spending an attempt, so the
        // worker meets an open breaker about once per write per open period, never upstream.
        queue.defer(delivery, now.plus(held.delay()), held.reason(), now);
        meters.count("held");
      }
      case DeliveryRule.Decision.Retry retry -> {
        queue.retry(delivery, now.plus(retry.delay()), retry.reason(), now);
        meters.count("retried");
        meters.countInLane(lane, "retried");
      }
    }
  }

  /**
   * A write whose credentials cannot be opened ends failed, with a Stripe-shaped error in its
   * result (no {@code request_id}: the edge's answer, not Stripe's); never resent, never a crash.
   */
  private void unreadable(Delivery delivery, String why) {
    try {
      EdgeResponse error =
          StripeErrors.response(
              500,
              "api_error",
              "edge_credentials_unreadable",
              "The edge cannot read the credentials it stored with this write: " + why + ".");
      queue.finish(
          delivery,
          WriteState.FAILED,
          error.status(),
          null,
          error.body(),
          "edge_credentials_unreadable: " + why,
          clock.instant());
      meters.count("failed_unreadable");
      meters.countInLane(delivery.write().lane(), "failed");
      log.log(
          System.Logger.Level.WARNING,
          "asynchronous write " + delivery.write().id() + " failed: " + why);
    } catch (RuntimeException e) {
      log.log(
          System.Logger.Level.WARNING,
          "recording write " + delivery.write().id() + " failed: " + e);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** The edge's own 502/504 (no answer from Stripe) count as no answer, like a lost call. */
  private static boolean noAnswer(@Nullable EdgeResponse response) {
    return response == null
        || ((response.status() == 502 || response.status() == 504)
            && response.header("request-id") == null);
  }
}
