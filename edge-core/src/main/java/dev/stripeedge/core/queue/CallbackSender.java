package dev.stripeedge.core.queue;

import dev.stripeedge.core.webhooks.StripeSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * Sends finished writes' completion callbacks: event-shaped JSON signed with the edge's callback
 * secret in Stripe's {@code Stripe-Signature} scheme, retried with capped, jittered backoff up to
 * {@code callbackMaxAttempts}. Outcomes are recorded on {@code worker}; one attempt per write at a
 * time.
 */
final class CallbackSender {

  private static final System.Logger log = System.getLogger(AsyncWrites.class.getName());

  private final WorkQueue queue;
  private final AsyncWriteConfig config;
  private final Clock clock;
  private final RandomGenerator random;
  private final Executor worker;
  private final AsyncMeters meters;
  private final HttpClient http;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  CallbackSender(
      WorkQueue queue,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      Executor worker,
      AsyncMeters meters) {
    this.queue = queue;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.worker = worker;
    this.meters = meters;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(config.callbackTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** Starts the callbacks due at {@code now} that are not already being sent. */
  void sendDue(Instant now) {
    if (config.callbackSecret().isEmpty()) {
      return;
    }
    for (WorkQueue.Callback callback : queue.dueCallbacks(now, 16)) {
      if (inFlight.add(callback.id())) {
        call(callback);
      }
    }
  }

  private void call(WorkQueue.Callback callback) {
    Optional<WriteStatus> status = queue.status(callback.id());
    if (status.isEmpty()) {
      queue.callbackAttempted(callback.id(), callback.attempts(), true, clock.instant());
      inFlight.remove(callback.id());
      return;
    }
    byte[] payload = WriteJson.callback(status.get());
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest post;
    try {
      post =
          HttpRequest.newBuilder(URI.create(callback.url()))
              .timeout(config.callbackTimeout())
              .header("Content-Type", "application/json")
              .header(
                  "Stripe-Signature",
                  StripeSignature.header(config.callbackSecret().reveal(), timestamp, payload))
              .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
              .build();
    } catch (IllegalArgumentException e) {
      queue.callbackAttempted(callback.id(), callback.attempts() + 1, true, clock.instant());
      meters.countCallback("dead");
      inFlight.remove(callback.id());
      return;
    }
    http.sendAsync(post, HttpResponse.BodyHandlers.discarding())
        .whenCompleteAsync(
            (response, failure) -> {
              try {
                int attempts = callback.attempts() + 1;
                boolean delivered =
                    failure == null && response.statusCode() >= 200 && response.statusCode() < 300;
                boolean giveUp = !delivered && attempts >= config.callbackMaxAttempts();
                long ceiling =
                    Math.min(
                        config.backoffCap().toMillis(),
                        config.backoffBase().toMillis() << Math.min(30, attempts - 1));
                Instant next =
                    clock.instant().plusMillis(random.nextLong(ceiling / 2, ceiling + 1));
                queue.callbackAttempted(callback.id(), attempts, delivered || giveUp, next);
                meters.countCallback(delivered ? "delivered" : giveUp ? "dead" : "retried");
              } catch (RuntimeException e) {
                log.log(
                    System.Logger.Level.WARNING,
                    "recording callback of " + callback.id() + " failed: " + e);
              } finally {
                inFlight.remove(callback.id());
              }
            },
            worker);
  }
}
