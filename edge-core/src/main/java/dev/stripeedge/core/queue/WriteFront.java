package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.IdempotencyKeys;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.internal.StripeErrors;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The accepting side of {@link AsyncWrites}: decides whether a write is queued, ensures its
 * idempotency key, stores it durably and only then answers {@code 202}; answers the status
 * resource, the operators' list and requeue. Thread-safe; storing runs on {@code storeThreads} (the
 * queue blocks on I/O), never on the caller's thread, writes arriving together stored together
 * ({@link GroupCommit}).
 */
final class WriteFront {

  private static final System.Logger log = System.getLogger(AsyncWrites.class.getName());
  private static final long RETRY_AFTER_SECONDS = 5;
  // What a refused callback's error names (Stripe's error.param): the header carrying it.
  private static final String CALLBACK_PARAM = AsyncWrites.CALLBACK_HEADER;
  private static final String ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  private final WorkQueue queue;
  private final AsyncWriteConfig config;
  private final AsyncWriteRule rule;
  private final CallbackRule callbackRule;
  private final Clock clock;
  private final RandomGenerator random;
  private final GroupCommit commits;
  private final AsyncMeters meters;
  private final CredentialSeal seal;

  WriteFront(
      WorkQueue queue,
      CredentialSeal seal,
      AsyncWriteConfig config,
      CallbackRule callbackRule,
      Clock clock,
      RandomGenerator random,
      ExecutorService storeThreads,
      AsyncMeters meters) {
    this.queue = queue;
    this.seal = seal;
    this.config = config;
    this.rule = new AsyncWriteRule(config);
    this.callbackRule = callbackRule;
    this.clock = clock;
    this.random = random;
    this.commits =
        new GroupCommit(
            queue,
            config.maxQueued(),
            storeThreads,
            this::stored,
            unavailable("the edge is shutting down"));
    this.meters = meters;
  }

  /** See {@link AsyncWrites#offer}. */
  @Nullable CompletableFuture<EdgeResponse> offer(EdgeRequest request) {
    if (!request.method().equals("POST") && !request.method().equals("DELETE")) {
      // The hit path: reads never pay for a second classification.
      return null;
    }
    Route route = StripeRoutes.classify(request.path());
    AsyncWriteRule.Decision decision = rule.decide(request, route);
    return switch (decision) {
      case AsyncWriteRule.Decision.Sync sync -> null;
      case AsyncWriteRule.Decision.Forbidden forbidden -> {
        meters.count("refused_forbidden");
        yield CompletableFuture.completedFuture(
            StripeErrors.response(
                400, "invalid_request_error", "async_not_allowed", forbidden.message()));
      }
      case AsyncWriteRule.Decision.Queue queueIt -> accept(request, route);
    };
  }

  private CompletableFuture<EdgeResponse> accept(EdgeRequest request, Route route) {
    String callback = request.header(AsyncWrites.CALLBACK_HEADER);
    if (callback == null) {
      callback = config.callbackUrls().get(AsyncWriteRule.key(request.method(), route));
    }
    if (callback != null) {
      String problem = callbackProblem(callback);
      if (problem != null) {
        meters.count("refused_callback");
        return CompletableFuture.completedFuture(
            StripeErrors.response(
                400, "invalid_request_error", "invalid_callback", problem, CALLBACK_PARAM));
      }
    }
    EdgeRequest keyed = request;
    if (keyed.header(IdempotencyKeys.HEADER) == null) {
      // Fixed now, before the write is stored: every delivery sends this key. DELETEs get one too
      // (Stripe accepts a key on any write).
      keyed = keyed.withHeader(IdempotencyKeys.HEADER, IdempotencyKeys.newKey(random));
    }
    EdgeRequest stored =
        withoutHeaders(keyed, Set.of("prefer", "stripe-edge-deadline-ms", "stripe-edge-callback"));
    String objectId = route.kind() == Route.Kind.COLLECTION ? null : route.objectId();
    String idempotencyKey = stored.header(IdempotencyKeys.HEADER);
    // Sealed before it leaves this method: no queue backend ever holds the API key in clear.
    QueuedWrite write =
        seal.seal(
            new QueuedWrite(
                newId(),
                stored,
                objectId != null ? "obj:" + objectId : "key:" + idempotencyKey,
                callback,
                clock.instant()));
    return commits.submit(write);
  }

  /** The answer to {@code write} once its batch was stored: {@code refused} null when it was. */
  private EdgeResponse stored(QueuedWrite write, @Nullable RuntimeException refused) {
    if (refused instanceof WorkQueue.Full) {
      meters.count("refused_full");
      return unavailable(
          "The edge's write queue is full; nothing was accepted. Retry later, or send the write"
              + " without Prefer: respond-async.");
    }
    if (refused != null) {
      meters.count("refused_error");
      log.log(System.Logger.Level.WARNING, "storing an asynchronous write failed: " + refused);
      return unavailable("The edge could not store the write; nothing was accepted.");
    }
    meters.count("accepted");
    // Built from what was stored, without reading it back: the 202 is on the client's path.
    EdgeRequest stored = write.request();
    byte[] body =
        WriteJson.status(
            new WriteStatus(
                write.id(),
                WriteState.QUEUED,
                stored.method(),
                stored.path(),
                write.idempotencyKey(),
                write.acceptedAt(),
                write.acceptedAt(),
                0,
                0,
                null,
                new byte[0],
                "",
                write.ownerHash()));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("Cache-Control", "no-cache, no-store");
    headers.put("Preference-Applied", "respond-async");
    headers.put("Location", AsyncWrites.STATUS_PATH + write.id());
    headers.put(IdempotencyKeys.HEADER, write.idempotencyKey());
    headers.put(AsyncWrites.WRITE_HEADER, write.id());
    return new EdgeResponse(202, Map.of(), body).withHeaders(headers);
  }

  static EdgeResponse unavailable(String message) {
    return StripeErrors.response(503, "api_error", "edge_queue_unavailable", message)
        .withHeader("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
  }

  private @Nullable String callbackProblem(String url) {
    if (config.callbackSecret().isEmpty()) {
      return "Completion callbacks are off: the edge has no asyncWrites.callbackSecret to sign"
          + " them with.";
    }
    return callbackRule.refusal(url);
  }

  /** See {@link AsyncWrites#status}. */
  EdgeResponse status(String id, @Nullable String authorization) {
    Optional<WriteStatus> found;
    try {
      found = queue.status(id);
    } catch (RuntimeException e) {
      return unavailable("The edge could not read the write's status.");
    }
    if (found.isEmpty()
        || authorization == null
        || !MessageDigest.isEqual(found.get().ownerHash(), QueuedWrite.ownerHash(authorization))) {
      return StripeErrors.response(
          404,
          "invalid_request_error",
          "resource_missing",
          "No such write: '" + id.replaceAll("[^A-Za-z0-9_]", "") + "'");
    }
    return new EdgeResponse(200, Map.of(), WriteJson.status(seal.openStatus(found.get())))
        .withHeaders(Map.of("Content-Type", "application/json", "Cache-Control", "no-store"));
  }

  /** See {@link AsyncWrites#list}. */
  byte[] list(WriteState state, int limit) {
    return WriteJson.list(state, queue.list(state, limit), queue.counts());
  }

  /** See {@link AsyncWrites#requeue}. */
  boolean requeue(String id) {
    boolean done = queue.requeue(id, clock.instant());
    if (done) {
      meters.count("requeued");
    }
    return done;
  }

  private String newId() {
    StringBuilder id = new StringBuilder("aw_");
    for (int i = 0; i < 24; i++) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }

  private static EdgeRequest withoutHeaders(EdgeRequest request, Set<String> names) {
    Map<String, List<String>> kept = new LinkedHashMap<>(request.headers());
    kept.keySet().removeAll(names);
    return new EdgeRequest(
        request.method(), request.path(), request.rawQuery(), kept, request.body());
  }
}
