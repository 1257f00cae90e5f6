package dev.stripeedge.core.queue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.stripeedge.core.CachedRetrieve;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.IdempotencyKeys;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.SizingReport;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.internal.StripeErrors;
import dev.stripeedge.core.webhooks.StripeSignature;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Durable asynchronous writes over one {@link WorkQueue}: the front that accepts a write with
 * {@code Prefer: respond-async} (key ensured, stored durably, only then {@code 202}), the status
 * resource ({@code /edge/writes/{id}}), the workers that apply queued writes through the pipeline,
 * and the signed completion callbacks.
 *
 * <p>Workers call the pipeline the queue was built with (not the front), so a queued write goes
 * through the same budget, retry rule and write-through invalidation as a synchronous one, in the
 * lane its request asked for ({@code Priority}), background by default, and with the idempotency
 * key fixed at acceptance on every attempt and every redelivery.
 *
 * <p>Thread-safe. Storing an accepted write runs on a small pool of its own (the queue blocks on
 * I/O); polling, recording outcomes and callbacks on one daemon thread started by {@link #start}.
 * {@link #close} stops both (the queue is closed by its owner).
 */
public final class AsyncWrites implements AutoCloseable {

  private static final System.Logger log = System.getLogger(AsyncWrites.class.getName());
  private static final JsonFactory JSON = new JsonFactory();

  /** Where status resources live, outside Stripe's paths. */
  public static final String STATUS_PATH = "/edge/writes/";

  /** Request header naming a callback URL for this write. */
  public static final String CALLBACK_HEADER = "Stripe-Edge-Callback";

  /** Response header naming the accepted write's id. */
  public static final String WRITE_HEADER = "Stripe-Edge-Write";

  private static final String BACKGROUND = "u=6";
  private static final long RETRY_AFTER_SECONDS = 5;
  private static final String ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  private final EdgePipeline pipeline;
  private final WorkQueue queue;
  private final AsyncWriteConfig config;
  private final AsyncWriteRule rule;
  private final DeliveryRule deliveryRule;
  private final Clock clock;
  private final RandomGenerator random;
  private final HttpClient http;
  private final ExecutorService storeThreads;
  private final ScheduledExecutorService worker;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Set<String> callbacksInFlight = ConcurrentHashMap.newKeySet();
  private volatile Map<WriteState, Long> counts = new EnumMap<>(WriteState.class);
  private volatile @Nullable Instant oldest;
  private volatile Instant lastPurge = Instant.EPOCH;

  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final MeterRegistry meters;

  private AsyncWrites(
      EdgePipeline pipeline,
      WorkQueue queue,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meters) {
    this.pipeline = pipeline;
    this.queue = queue;
    this.config = config;
    this.rule = new AsyncWriteRule(config);
    this.deliveryRule = new DeliveryRule(config, random);
    this.clock = clock;
    this.random = random;
    this.meters = meters;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(config.callbackTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.storeThreads = Executors.newFixedThreadPool(2, daemon("edge-async-accept"));
    this.worker = Executors.newSingleThreadScheduledExecutor(daemon("edge-async-worker"));
    for (WriteState state : WriteState.values()) {
      Gauge.builder("stripe.edge.async.writes", () -> counts.getOrDefault(state, 0L).doubleValue())
          .description("asynchronous writes by state")
          .tag("state", state.tag())
          .tag("backend", queue.name())
          .register(meters);
    }
    Gauge.builder(
            "stripe.edge.async.oldest.seconds",
            () -> {
              Instant first = oldest;
              return first == null
                  ? 0
                  : Duration.between(first, clock.instant()).toMillis() / 1000.0;
            })
        .description("age of the oldest unfinished asynchronous write")
        .tag("backend", queue.name())
        .register(meters);
  }

  /**
   * Asynchronous writes through {@code queue}, applied by workers through {@code pipeline} (the
   * pipeline without this front). Call {@link #start} to run the workers.
   */
  public static AsyncWrites over(
      EdgePipeline pipeline,
      WorkQueue queue,
      AsyncWriteConfig config,
      Clock clock,
      RandomGenerator random,
      MeterRegistry meters) {
    return new AsyncWrites(pipeline, queue, config, clock, random, meters);
  }

  /** Starts the workers (poll, record, purge, callbacks) on their daemon thread. */
  public AsyncWrites start() {
    long period = config.pollInterval().toMillis();
    worker.scheduleWithFixedDelay(this::tickQuietly, 0, period, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * The answer to {@code request} if it is handled here (a 202 once stored, a 503 when the queue
   * cannot take it, a 400 when its route forbids it or its callback is unusable), or null when it
   * goes through the pipeline synchronously. Never blocks: storing runs on this class's own pool.
   */
  public @Nullable CompletableFuture<EdgeResponse> offer(EdgeRequest request) {
    if (!request.method().equals("POST") && !request.method().equals("DELETE")) {
      // The hit path: reads never pay for a second classification.
      return null;
    }
    Route route = StripeRoutes.classify(request.path());
    AsyncWriteRule.Decision decision = rule.decide(request, route);
    return switch (decision) {
      case AsyncWriteRule.Decision.Sync sync -> null;
      case AsyncWriteRule.Decision.Forbidden forbidden -> {
        count("refused_forbidden");
        yield CompletableFuture.completedFuture(
            StripeErrors.response(
                400, "invalid_request_error", "async_not_allowed", forbidden.message()));
      }
      case AsyncWriteRule.Decision.Queue queueIt -> accept(request, route);
    };
  }

  private CompletableFuture<EdgeResponse> accept(EdgeRequest request, Route route) {
    String callback = request.header(CALLBACK_HEADER);
    if (callback == null) {
      callback = config.callbackUrls().get(AsyncWriteRule.key(request.method(), route));
    }
    if (callback != null) {
      String problem = callbackProblem(callback);
      if (problem != null) {
        count("refused_callback");
        return CompletableFuture.completedFuture(
            StripeErrors.response(400, "invalid_request_error", "invalid_callback", problem));
      }
    }
    EdgeRequest keyed = request;
    if (keyed.header(IdempotencyKeys.HEADER) == null) {
      // Fixed now, before the write is stored: every delivery sends this key. DELETEs get one too
      // (Stripe accepts a key on any write).
      String key =
          IdempotencyKeys.ensure(EdgeRequest.of("POST", "/", ""), random).header("idempotency-key");
      keyed = keyed.withHeader(IdempotencyKeys.HEADER, key == null ? newId() : key);
    }
    EdgeRequest stored =
        withoutHeaders(keyed, Set.of("prefer", "stripe-edge-deadline-ms", "stripe-edge-callback"));
    String objectId = route.kind() == Route.Kind.COLLECTION ? null : route.objectId();
    String idempotencyKey = stored.header(IdempotencyKeys.HEADER);
    QueuedWrite write =
        new QueuedWrite(
            newId(),
            stored,
            objectId != null ? "obj:" + objectId : "key:" + idempotencyKey,
            callback,
            clock.instant());
    CompletableFuture<EdgeResponse> answer = new CompletableFuture<>();
    try {
      storeThreads.execute(() -> answer.complete(store(write)));
    } catch (RuntimeException e) {
      // Closed: nothing stored.
      answer.complete(unavailable("the edge is shutting down"));
    }
    return answer;
  }

  private EdgeResponse store(QueuedWrite write) {
    try {
      queue.enqueue(write, config.maxQueued());
    } catch (WorkQueue.Full full) {
      count("refused_full");
      return unavailable(
          "The edge's write queue is full; nothing was accepted. Retry later, or send the write"
              + " without Prefer: respond-async.");
    } catch (RuntimeException e) {
      count("refused_error");
      log.log(System.Logger.Level.WARNING, "storing an asynchronous write failed: " + e);
      return unavailable("The edge could not store the write; nothing was accepted.");
    }
    count("accepted");
    // Built from what was stored, without reading it back: the 202 is on the client's path.
    EdgeRequest stored = write.request();
    byte[] body =
        statusJson(
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
    headers.put("Location", STATUS_PATH + write.id());
    headers.put(IdempotencyKeys.HEADER, write.idempotencyKey());
    headers.put(WRITE_HEADER, write.id());
    return new EdgeResponse(202, Map.of(), body).withHeaders(headers);
  }

  private static EdgeResponse unavailable(String message) {
    return StripeErrors.response(503, "api_error", "edge_queue_unavailable", message)
        .withHeader("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
  }

  private @Nullable String callbackProblem(String url) {
    if (config.callbackSecret().isEmpty()) {
      return "Completion callbacks are off: the edge has no asyncWrites.callbackSecret to sign"
          + " them with.";
    }
    try {
      AsyncWriteConfig.checkCallbackUrl(url);
      return null;
    } catch (IllegalArgumentException e) {
      return "Stripe-Edge-Callback must be an http(s) URL.";
    }
  }

  /** A pipeline that offers each request here first, else hands it to {@code inner}. */
  public EdgePipeline front(EdgePipeline inner) {
    return new Front(inner);
  }

  /**
   * The status resource of write {@code id} for a caller presenting {@code authorization}: 200 with
   * the write's JSON, or a Stripe-shaped 404 when there is no such write or it was sent with
   * another API key (the result may hold the customer's data). Blocks on the queue.
   */
  public EdgeResponse status(String id, @Nullable String authorization) {
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
    return new EdgeResponse(200, Map.of(), statusJson(found.get()))
        .withHeaders(Map.of("Content-Type", "application/json", "Cache-Control", "no-store"));
  }

  /** Operators' list: up to {@code limit} writes in {@code state}, as JSON (no bodies). */
  public byte[] list(WriteState state, int limit) {
    List<WriteStatus> writes = queue.list(state, limit);
    Map<WriteState, Long> all = queue.counts();
    return json(
        256 * writes.size(),
        json -> {
          json.writeStartObject();
          json.writeStringField("object", "list");
          json.writeStringField("state", state.tag());
          json.writeObjectFieldStart("counts");
          for (Map.Entry<WriteState, Long> entry : all.entrySet()) {
            json.writeNumberField(entry.getKey().tag(), entry.getValue());
          }
          json.writeEndObject();
          json.writeArrayFieldStart("data");
          for (WriteStatus write : writes) {
            writeStatus(json, write, false);
          }
          json.writeEndArray();
          json.writeEndObject();
        });
  }

  /** Puts dead write {@code id} back in the queue; false when there is no such dead write. */
  public boolean requeue(String id) {
    boolean done = queue.requeue(id, clock.instant());
    if (done) {
      count("requeued");
    }
    return done;
  }

  /** The queue this runs over. */
  public WorkQueue queue() {
    return queue;
  }

  /**
   * One round of the workers on the calling thread: deliver due writes (their outcomes are recorded
   * on the worker thread when the pipeline answers), send due callbacks, purge, refresh the gauges.
   * {@link #start} runs it every poll interval; tests call it with a fake clock.
   */
  public void runOnce() {
    Instant now = clock.instant();
    int free = config.concurrency() - inFlight.get();
    if (free > 0) {
      for (Delivery delivery : queue.poll(free, now, config.visibilityTimeout())) {
        inFlight.incrementAndGet();
        deliver(delivery);
      }
    }
    if (!config.callbackSecret().isEmpty()) {
      for (WorkQueue.Callback callback : queue.dueCallbacks(now, 16)) {
        if (callbacksInFlight.add(callback.id())) {
          call(callback);
        }
      }
    }
    if (Duration.between(lastPurge, now).compareTo(Duration.ofMinutes(1)) >= 0) {
      lastPurge = now;
      int purged = queue.purge(now.minus(config.retention()));
      if (purged > 0) {
        log.log(System.Logger.Level.INFO, "purged " + purged + " finished asynchronous writes");
      }
    }
    counts = queue.counts();
    oldest = queue.oldestUnfinished();
  }

  private void tickQuietly() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "asynchronous write worker: " + e);
    }
  }

  private void deliver(Delivery delivery) {
    EdgeRequest request = delivery.write().request();
    if (request.header("priority") == null) {
      request = request.withHeader("Priority", BACKGROUND);
    }
    pipeline
        .handle(request)
        .whenCompleteAsync(
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
    switch (decision) {
      case DeliveryRule.Decision.Succeeded ok -> {
        queue.finish(delivery, WriteState.SUCCEEDED, status, requestId, body, "", now);
        count("succeeded");
      }
      case DeliveryRule.Decision.Failed failed -> {
        queue.finish(delivery, WriteState.FAILED, status, requestId, body, "", now);
        count("failed");
      }
      case DeliveryRule.Decision.Dead dead -> {
        queue.finish(delivery, WriteState.DEAD, status, requestId, body, dead.reason(), now);
        count("dead");
        log.log(
            System.Logger.Level.WARNING,
            "asynchronous write " + delivery.write().id() + " is dead: " + dead.reason());
      }
      case DeliveryRule.Decision.Retry retry -> {
        queue.retry(delivery, now.plus(retry.delay()), retry.reason(), now);
        count("retried");
      }
    }
  }

  /** The edge's own 502/504 (no answer from Stripe) count as no answer, like a lost call. */
  private static boolean noAnswer(@Nullable EdgeResponse response) {
    return response == null
        || ((response.status() == 502 || response.status() == 504)
            && response.header("request-id") == null);
  }

  private void call(WorkQueue.Callback callback) {
    Optional<WriteStatus> status = queue.status(callback.id());
    if (status.isEmpty()) {
      queue.callbackAttempted(callback.id(), callback.attempts(), true, clock.instant());
      callbacksInFlight.remove(callback.id());
      return;
    }
    byte[] payload = callbackJson(status.get());
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
      countCallback("dead");
      callbacksInFlight.remove(callback.id());
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
                countCallback(delivered ? "delivered" : giveUp ? "dead" : "retried");
              } catch (RuntimeException e) {
                log.log(
                    System.Logger.Level.WARNING,
                    "recording callback of " + callback.id() + " failed: " + e);
              } finally {
                callbacksInFlight.remove(callback.id());
              }
            },
            worker);
  }

  private void count(String outcome) {
    outcomes
        .computeIfAbsent(
            "w" + outcome,
            k ->
                Counter.builder("stripe.edge.async.outcomes")
                    .description("asynchronous writes by what happened to them")
                    .tag("outcome", outcome)
                    .tag("backend", queue.name())
                    .register(meters))
        .increment();
  }

  private void countCallback(String outcome) {
    outcomes
        .computeIfAbsent(
            "c" + outcome,
            k ->
                Counter.builder("stripe.edge.async.callbacks")
                    .description("completion callbacks by outcome")
                    .tag("outcome", outcome)
                    .register(meters))
        .increment();
  }

  private String newId() {
    StringBuilder id = new StringBuilder("aw_");
    for (int i = 0; i < 24; i++) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }

  /** What the status resource and a 202 answer: the write, Stripe's answer included. */
  private static byte[] statusJson(WriteStatus status) {
    return json(status.resultBody().length, out -> writeStatus(out, status, true));
  }

  /** A callback's body: event-shaped, so apps reuse their webhook handling. */
  private static byte[] callbackJson(WriteStatus status) {
    return json(
        status.resultBody().length,
        out -> {
          out.writeStartObject();
          out.writeStringField("object", "event");
          out.writeStringField("type", "edge.write." + status.state().tag());
          out.writeNumberField("created", status.updatedAt().getEpochSecond());
          out.writeObjectFieldStart("data");
          out.writeFieldName("object");
          writeStatus(out, status, true);
          out.writeEndObject();
          out.writeEndObject();
        });
  }

  /** Writes JSON to a byte array. */
  private interface JsonWriter {
    void write(JsonGenerator json) throws IOException;
  }

  private static byte[] json(int sizeHint, JsonWriter writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512 + sizeHint);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      writer.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeStatus(JsonGenerator json, WriteStatus status, boolean withBody)
      throws IOException {
    json.writeStartObject();
    json.writeStringField("object", "edge.write");
    json.writeStringField("id", status.id());
    json.writeStringField("state", status.state().tag());
    json.writeStringField("method", status.method());
    json.writeStringField("path", status.path());
    json.writeStringField("idempotency_key", status.idempotencyKey());
    json.writeNumberField("created", status.acceptedAt().getEpochSecond());
    json.writeNumberField("updated", status.updatedAt().getEpochSecond());
    json.writeNumberField("attempts", status.attempts());
    if (!status.reason().isEmpty()) {
      json.writeStringField("reason", status.reason());
    }
    if (status.resultStatus() != 0) {
      json.writeObjectFieldStart("result");
      json.writeNumberField("status", status.resultStatus());
      if (status.requestId() != null) {
        json.writeStringField("request_id", status.requestId());
      }
      if (withBody && status.resultBody().length > 0) {
        json.writeFieldName("body");
        if (isJson(status.resultBody())) {
          json.writeRawValue(new String(status.resultBody(), StandardCharsets.UTF_8));
        } else {
          json.writeString(new String(status.resultBody(), StandardCharsets.UTF_8));
        }
      }
      json.writeEndObject();
    }
    json.writeEndObject();
  }

  /** Whether {@code body} is one complete JSON object (so it can be embedded raw). */
  private static boolean isJson(byte[] body) {
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  private static EdgeRequest withoutHeaders(EdgeRequest request, Set<String> names) {
    Map<String, List<String>> kept = new LinkedHashMap<>(request.headers());
    kept.keySet().removeAll(names);
    return new EdgeRequest(
        request.method(), request.path(), request.rawQuery(), kept, request.body());
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Stops the workers and the accepting pool; writes in flight are delivered again later. */
  @Override
  public void close() {
    storeThreads.shutdown();
    worker.shutdownNow();
    try {
      storeThreads.awaitTermination(5, TimeUnit.SECONDS);
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The pipeline seen by the sidecar and the adapter: offers each request here first. */
  private final class Front implements EdgePipeline {
    private final EdgePipeline inner;

    Front(EdgePipeline inner) {
      this.inner = inner;
    }

    @Override
    public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
      CompletableFuture<EdgeResponse> queued = offer(request);
      return queued != null ? queued : inner.handle(request);
    }

    @Override
    public void invalidate(String objectId) {
      inner.invalidate(objectId);
    }

    @Override
    public void refresh(ObjectChange change) {
      inner.refresh(change);
    }

    @Override
    public CompletableFuture<Boolean> invalidateAcknowledged(Collection<String> objectIds) {
      return inner.invalidateAcknowledged(objectIds);
    }

    @Override
    public CompletableFuture<Boolean> refreshAcknowledged(ObjectChange change) {
      return inner.refreshAcknowledged(change);
    }

    @Override
    public long cachedBytes() {
      return inner.cachedBytes();
    }

    @Override
    public SizingReport sizing() {
      return inner.sizing();
    }

    @Override
    public List<CachedRetrieve> auditSample(String apiKey, int max) {
      return inner.auditSample(apiKey, max);
    }
  }
}
