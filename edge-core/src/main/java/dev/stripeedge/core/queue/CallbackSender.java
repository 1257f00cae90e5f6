package dev.stripeedge.core.queue;

import dev.stripeedge.core.Backoff;
import dev.stripeedge.core.webhooks.StripeSignature;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;

/**
 * Sends finished writes' completion callbacks: event-shaped JSON signed with the edge's callback
 * secret in Stripe's {@code Stripe-Signature} scheme, retried with capped, jittered backoff up to
 * {@code callbackMaxAttempts}, to URLs {@link CallbackRule} allows (checked again here).
 *
 * <p>Each attempt resolves the host once, checks every address, and connects to a checked address
 * ({@link CallbackPost}): the name is not resolved a second time between the check and the
 * connection, so a name whose DNS answers differently the second time (DNS rebinding) cannot steer
 * the callback inside. Outcomes are recorded on {@code worker}; one attempt per write at a time.
 */
final class CallbackSender {

  private static final System.Logger log = System.getLogger(AsyncWrites.class.getName());

  private final WorkQueue queue;
  private final AsyncWriteConfig config;
  private final Clock clock;
  private final RandomGenerator random;
  private final Executor worker;
  private final AsyncMeters meters;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final CallbackRule rule;
  private final CallbackNetwork network;
  private final CredentialSeal seal;
  // Resolving and sending block: virtual threads, never the worker's.
  private final ExecutorService sending = Executors.newVirtualThreadPerTaskExecutor();

  /** What one attempt came to. */
  private sealed interface Outcome {
    record Refused(String why) implements Outcome {}

    record Answered(int status) implements Outcome {}
  }

  CallbackSender(
      WorkQueue queue,
      AsyncWriteConfig config,
      CallbackRule rule,
      Clock clock,
      RandomGenerator random,
      Executor worker,
      AsyncMeters meters,
      CredentialSeal seal,
      CallbackNetwork network) {
    this.queue = queue;
    this.config = config;
    this.rule = rule;
    this.clock = clock;
    this.random = random;
    this.worker = worker;
    this.meters = meters;
    this.seal = seal;
    this.network = network;
  }

  /** Starts the callbacks due at {@code now} that are not already being sent. */
  void sendDue(Instant now) {
    if (config.callbackSecret().isEmpty()) {
      return;
    }
    for (WorkQueue.Callback callback : queue.dueCallbacks(now, 16)) {
      if (inFlight.add(callback.id())) {
        try {
          call(callback);
        } catch (RuntimeException e) {
          // Thrown before the send was under way (the status read failed, the executor closed):
          // free the id, or this callback would be skipped until a restart.
          inFlight.remove(callback.id());
          log.log(
              System.Logger.Level.WARNING, "callback for write " + callback.id() + " failed: " + e);
        }
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
    // Checked again, not only at acceptance: the allow-list may have shrunk since.
    String refusal = rule.refusal(callback.url());
    if (refusal != null) {
      refuse(callback, refusal);
      return;
    }
    URI uri = URI.create(callback.url());
    String host = uri.getHost();
    if (host == null) {
      refuse(callback, "no host");
      return;
    }
    byte[] payload = WriteJson.callback(seal.openStatus(status.get()));
    Map<String, String> headers =
        Map.of(
            "Content-Type",
            "application/json",
            "User-Agent",
            "stripe-edge",
            "Stripe-Signature",
            StripeSignature.header(
                config.callbackSecret().reveal(), clock.instant().getEpochSecond(), payload));
    CompletableFuture.supplyAsync(() -> attempt(uri, host, headers, payload), sending)
        .whenCompleteAsync(
            (outcome, failure) -> {
              Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
              if (cause instanceof IllegalArgumentException) {
                // Not a URL this edge can send to: retrying cannot help.
                attempted(callback, false, true);
              } else if (failure != null) {
                attempted(callback, false, false);
              } else if (outcome instanceof Outcome.Refused refused) {
                refuse(callback, refused.why());
              } else if (outcome instanceof Outcome.Answered answered) {
                attempted(callback, answered.status() >= 200 && answered.status() < 300, false);
              }
            },
            worker);
  }

  /**
   * One attempt, on a virtual thread: resolve once, check every address, connect to a checked one.
   */
  private Outcome attempt(URI uri, String host, Map<String, String> headers, byte[] payload) {
    try {
      List<InetAddress> addresses = network.resolver().resolve(host);
      String refused = rule.addressRefusal(host, addresses);
      if (refused != null) {
        return new Outcome.Refused(refused);
      }
      return new Outcome.Answered(
          CallbackPost.send(
              uri, addresses, headers, payload, config.callbackTimeout(), network.tls()));
    } catch (IOException e) {
      throw new CompletionException(e);
    }
  }

  private void refuse(WorkQueue.Callback callback, String why) {
    try {
      queue.callbackAttempted(callback.id(), callback.attempts() + 1, true, clock.instant());
      meters.countCallback("refused");
      // The reason names the host and address, never the URL's path or query (they may hold a
      // token of the application's).
      log.log(
          System.Logger.Level.WARNING,
          "callback of asynchronous write " + callback.id() + " refused: " + why);
    } finally {
      inFlight.remove(callback.id());
    }
  }

  /** Records an attempt: delivered, or due again after a backoff, or given up. */
  private void attempted(WorkQueue.Callback callback, boolean delivered, boolean hopeless) {
    try {
      int attempts = callback.attempts() + 1;
      boolean giveUp = !delivered && (hopeless || attempts >= config.callbackMaxAttempts());
      Instant next =
          clock
              .instant()
              .plus(Backoff.half(config.backoffBase(), config.backoffCap(), attempts, random));
      queue.callbackAttempted(callback.id(), attempts, delivered || giveUp, next);
      meters.countCallback(delivered ? "delivered" : giveUp ? "dead" : "retried");
    } catch (RuntimeException e) {
      log.log(
          System.Logger.Level.WARNING, "recording callback of " + callback.id() + " failed: " + e);
    } finally {
      inFlight.remove(callback.id());
    }
  }

  /** Stops sending; attempts in flight are given up (their callbacks are due again later). */
  void close() {
    sending.shutdownNow();
  }
}
