package dev.stripeedge.core.queue;

import dev.stripeedge.core.webhooks.StripeSignature;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Sends finished writes' completion callbacks: event-shaped JSON signed with the edge's callback
 * secret in Stripe's {@code Stripe-Signature} scheme, retried with capped, jittered backoff up to
 * {@code callbackMaxAttempts}, to URLs {@link CallbackRule} allows (checked again here, and the
 * addresses the host resolves to checked before connecting). Outcomes are recorded on {@code
 * worker}; one attempt per write at a time.
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
  private final CallbackRule rule;
  private final Resolver resolver;
  private final CredentialSeal seal;
  private final ExecutorService resolving = Executors.newVirtualThreadPerTaskExecutor();

  /** Resolves a host name to its addresses (the system's resolver, or a test's). */
  @FunctionalInterface
  interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** The system resolver. */
    static Resolver system() {
      return host -> List.of(InetAddress.getAllByName(host));
    }
  }

  CallbackSender(
      WorkQueue queue,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      Executor worker,
      AsyncMeters meters,
      CredentialSeal seal,
      Resolver resolver) {
    this.seal = seal;
    this.queue = queue;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.worker = worker;
    this.meters = meters;
    this.rule = config.callbacks().rule();
    this.resolver = resolver;
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
    // Resolved off the worker thread (DNS blocks); where the name points is checked before any
    // connection is made.
    CompletableFuture.supplyAsync(() -> addressRefusal(host), resolving)
        .whenCompleteAsync(
            (refused, failure) -> {
              if (failure != null) {
                attempted(callback, false);
              } else if (refused != null) {
                refuse(callback, refused);
              } else {
                send(callback, uri, seal.openStatus(status.get()));
              }
            },
            worker);
  }

  /** Why the addresses {@code host} resolves to are refused, or null; throws when unresolvable. */
  private @Nullable String addressRefusal(String host) {
    try {
      return rule.addressRefusal(host, resolver.resolve(host));
    } catch (UnknownHostException e) {
      throw new UncheckedIOException(e);
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

  private void send(WorkQueue.Callback callback, URI uri, WriteStatus status) {
    byte[] payload = WriteJson.callback(status);
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest post;
    try {
      post =
          HttpRequest.newBuilder(uri)
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
            (response, failure) ->
                attempted(
                    callback,
                    failure == null && response.statusCode() >= 200 && response.statusCode() < 300),
            worker);
  }

  /** Records an attempt: delivered, or due again after a backoff, or given up. */
  private void attempted(WorkQueue.Callback callback, boolean delivered) {
    try {
      int attempts = callback.attempts() + 1;
      boolean giveUp = !delivered && attempts >= config.callbackMaxAttempts();
      long ceiling =
          Math.min(
              config.backoffCap().toMillis(),
              config.backoffBase().toMillis() << Math.min(30, attempts - 1));
      Instant next = clock.instant().plusMillis(random.nextLong(ceiling / 2, ceiling + 1));
      queue.callbackAttempted(callback.id(), attempts, delivered || giveUp, next);
      meters.countCallback(delivered ? "delivered" : giveUp ? "dead" : "retried");
    } catch (RuntimeException e) {
      log.log(
          System.Logger.Level.WARNING, "recording callback of " + callback.id() + " failed: " + e);
    } finally {
      inFlight.remove(callback.id());
    }
  }

  /** Stops resolving; attempts in flight are given up (their callbacks are due again later). */
  void close() {
    resolving.shutdownNow();
  }
}
