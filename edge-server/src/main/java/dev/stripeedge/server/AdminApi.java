package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;
import static dev.stripeedge.server.HttpAnswers.offLoop;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.SecretRedactor;
import dev.stripeedge.core.SizingReport;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.webhooks.DriftAudit;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.WebhookForwarder;
import dev.stripeedge.core.webhooks.WebhookOutbox;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /admin/…} on the admin listener: sizing, drift, and the forwarding dead letters. */
final class AdminApi {

  private final Clock clock;

  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Vertx vertx;
  private final EdgePipeline pipeline;
  private final @Nullable EventStore ledger;
  private final @Nullable WebhookForwarder forwarder;
  private final @Nullable DriftAudit driftAudit;
  private final @Nullable AsyncWrites asyncWrites;

  /**
   * @param ledger the durable store, null when none is open (its endpoints answer 404)
   * @param forwarder woken after a replay, null without forwarding
   * @param driftAudit null when the audit is off (its endpoints answer 404)
   * @param asyncWrites null when asynchronous writes are off (their endpoints answer 404)
   * @param clock the wall clock a replay stamps its deliveries with
   */
  AdminApi(
      Vertx vertx,
      EdgePipeline pipeline,
      @Nullable EventStore ledger,
      @Nullable WebhookForwarder forwarder,
      @Nullable DriftAudit driftAudit,
      @Nullable AsyncWrites asyncWrites,
      Clock clock) {
    this.vertx = vertx;
    this.asyncWrites = asyncWrites;
    this.clock = clock;
    this.pipeline = pipeline;
    this.ledger = ledger;
    this.forwarder = forwarder;
    this.driftAudit = driftAudit;
  }

  /**
   * The operator's endpoints, never a Stripe path: {@code GET /admin/sizing} reports the memory a
   * hit ratio needs (no store required), {@code GET /admin/webhooks/dead} lists dead forwarded
   * deliveries, {@code POST /admin/webhooks/dead/{eventId}/replay} (or {@code …/dead/ replay} for
   * all) puts them back to pending; {@code GET /admin/drift} answers the last drift audit and
   * {@code POST /admin/drift/run} runs one now (both without a store); {@code GET /admin/anomalies}
   * lists isolation's flags, breakers and webhook lanes.
   */
  void handle(HttpServerRequest request, String path) {
    if (path.equals("/admin/sizing")) {
      if (request.method() != HttpMethod.GET) {
        notAllowed(request, HttpMethod.GET, path);
        return;
      }
      try {
        // A copy of a few thousand counters under the estimator's lock: fine on the event loop.
        request
            .response()
            .putHeader("Content-Type", "application/json")
            .end(sizingJson(pipeline.sizing()));
      } catch (IOException | RuntimeException e) {
        log.error("sizing report failed", e);
        error(request.response(), 500, "api_error", null, "The edge could not report sizing.");
      }
      return;
    }
    if (path.equals("/admin/drift") || path.equals("/admin/drift/run")) {
      drift(request, path);
      return;
    }
    if (path.equals("/admin/writes") || path.startsWith("/admin/writes/")) {
      writes(request, path);
      return;
    }
    // --- isolation (issue 14): flags, breakers, webhook lanes; read-only, no store needed ---
    if (path.equals("/admin/anomalies")) {
      if (request.method() != HttpMethod.GET) {
        request.response().putHeader("Allow", "GET");
        error(request.response(), 405, "invalid_request_error", null, "Use GET on " + path + ".");
        return;
      }
      try {
        request
            .response()
            .putHeader("Content-Type", "application/json")
            .end(AnomaliesView.json(pipeline.isolation(), forwarder));
      } catch (IOException | RuntimeException e) {
        log.error("anomalies report failed", e);
        error(request.response(), 500, "api_error", null, "The edge could not report anomalies.");
      }
      return;
    }
    // --- end isolation ---
    EventStore outbox = ledger;
    if (outbox == null) {
      error(
          request.response(),
          404,
          "invalid_request_error",
          "no_store",
          "No durable store is open: configure webhooks.secrets to use " + path + ".");
      return;
    }
    if (path.equals("/admin/webhooks/dead")) {
      if (request.method() != HttpMethod.GET) {
        notAllowed(request, HttpMethod.GET, path);
        return;
      }
      blocking(request, () -> deadLettersJson(outbox.deadLetters()));
      return;
    }
    String prefix = "/admin/webhooks/dead/";
    if (path.startsWith(prefix) && path.endsWith("/replay") || path.equals(prefix + "replay")) {
      if (request.method() != HttpMethod.POST) {
        notAllowed(request, HttpMethod.POST, path);
        return;
      }
      String eventId =
          path.equals(prefix + "replay")
              ? null
              : path.substring(prefix.length(), path.length() - "/replay".length());
      blocking(
          request,
          () -> {
            int replayed = outbox.replay(eventId, clock.instant());
            WebhookForwarder current = forwarder;
            if (current != null && replayed > 0) {
              current.wake();
            }
            return JSON.writeValueAsString(Map.of("replayed", replayed));
          });
      return;
    }
    error(request.response(), 404, "invalid_request_error", null, "Unrecognized admin URL " + path);
  }

  /**
   * {@code GET /admin/writes?state=dead&limit=100}: asynchronous writes in a state (default dead),
   * oldest first, with the count in every state; {@code POST /admin/writes/{id}/requeue}: a dead
   * write back in the queue, same id and idempotency key.
   */
  private void writes(HttpServerRequest request, String path) {
    AsyncWrites writes = asyncWrites;
    if (writes == null) {
      error(
          request.response(),
          404,
          "invalid_request_error",
          "async_writes_off",
          "Asynchronous writes are off: set asyncWrites.enabled.");
      return;
    }
    if (path.equals("/admin/writes")) {
      if (request.method() != HttpMethod.GET) {
        notAllowed(request, HttpMethod.GET, path);
        return;
      }
      WriteState state;
      int limit;
      try {
        String asked = request.getParam("state");
        state = asked == null ? WriteState.DEAD : WriteState.ofTag(asked);
        String max = request.getParam("limit");
        limit = max == null ? 100 : Math.max(1, Math.min(1000, Integer.parseInt(max)));
      } catch (IllegalArgumentException e) {
        error(
            request.response(),
            400,
            "invalid_request_error",
            null,
            "state is one of queued, in_flight, succeeded, failed, dead; limit is 1..1000.");
        return;
      }
      blocking(request, () -> new String(writes.list(state, limit), StandardCharsets.UTF_8));
      return;
    }
    String suffix = "/requeue";
    if (!path.endsWith(suffix) || request.method() != HttpMethod.POST) {
      notAllowed(request, HttpMethod.POST, "/admin/writes/{id}/requeue");
      return;
    }
    String id = path.substring("/admin/writes/".length(), path.length() - suffix.length());
    blocking(request, () -> JSON.writeValueAsString(Map.of("requeued", writes.requeue(id))));
  }

  private static void notAllowed(HttpServerRequest request, HttpMethod allowed, String path) {
    request.response().putHeader("Allow", allowed.name());
    error(
        request.response(),
        405,
        "invalid_request_error",
        null,
        "Use " + allowed.name() + " on " + path + ".");
  }

  /**
   * {@code GET /admin/drift}: the last drift audit's report; {@code POST /admin/drift/run}: one
   * audit now (blocking a worker thread, not the event loop), answering its report.
   */
  private void drift(HttpServerRequest request, String path) {
    HttpMethod allowed = path.equals("/admin/drift") ? HttpMethod.GET : HttpMethod.POST;
    if (request.method() != allowed) {
      notAllowed(request, allowed, path);
      return;
    }
    DriftAudit audit = driftAudit;
    if (audit == null) {
      error(
          request.response(),
          404,
          "invalid_request_error",
          "drift_audit_off",
          "The drift audit is off: set reconcile.apiKey (and a positive reconcile.driftSample).");
      return;
    }
    if (allowed == HttpMethod.GET) {
      try {
        request
            .response()
            .putHeader("Content-Type", "application/json")
            .end(driftJson(audit.lastReport()));
      } catch (IOException e) {
        log.error("drift report failed", e);
        error(request.response(), 500, "api_error", null, "The edge could not report drift.");
      }
      return;
    }
    blocking(request, () -> driftJson(audit.runOnce()), "The edge could not run the drift audit.");
  }

  /** A drift report as JSON; before the first audit, {@code ran_at} and the rate are null. */
  static String driftJson(DriftAudit.@Nullable Report report) throws IOException {
    Map<String, @Nullable Object> json = new LinkedHashMap<>();
    json.put("object", "drift_report");
    json.put("ran_at", report == null ? null : report.ranAt().toString());
    json.put("sampled", report == null ? 0 : report.sampled());
    json.put("checked", report == null ? 0 : report.checked());
    json.put("drifted", report == null ? 0 : report.drifted());
    json.put("failed", report == null ? 0 : report.failed());
    json.put("drift_rate", report == null ? null : report.driftRate());
    json.put("drifted_ids", report == null ? List.of() : report.driftedIds());
    return JSON.writeValueAsString(json);
  }

  private void blocking(HttpServerRequest request, Callable<String> json) {
    blocking(request, json, "The edge could not read its store.");
  }

  private void blocking(HttpServerRequest request, Callable<String> json, String failure) {
    offLoop(
        vertx,
        request,
        json,
        failure,
        (out, body) ->
            out.setStatusCode(200).putHeader("Content-Type", "application/json").end(body));
  }

  /**
   * The sizing report as JSON: the memory tier's estimate, then the tiers below it (the first
   * estimated from memory's misses, deeper ones listed).
   */
  static String sizingJson(SizingReport report) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("object", "sizing");
    json.put(
        "model",
        "LRU hit-ratio curve per tier from spatially sampled cache keys (SHARDS); sizes in bytes"
            + " as the tier weighs entries; a read after its TTL is a miss at every size");
    json.put("memory", tierJson(report.memory()));
    List<Map<String, @Nullable Object>> below = new ArrayList<>();
    for (SizingReport.Tier tier : report.below()) {
      Map<String, @Nullable Object> row = tierJson(tier);
      row.put(
          "note",
          tier.estimated()
              ? "sees the memory tier's misses on this edge; a tier shared between edges sees"
                  + " theirs too"
              : "sees the misses of the tiers above it; not estimated");
      below.add(row);
    }
    json.put("below", below);
    return JSON.writeValueAsString(json);
  }

  /** {@code value}, or null (JSON has no NaN) when it is not a finite number. */
  private static @Nullable Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }

  private static Map<String, @Nullable Object> tierJson(SizingReport.Tier tier) {
    Map<String, @Nullable Object> json = new LinkedHashMap<>();
    json.put("tier", tier.tier());
    json.put("estimated", tier.estimated());
    json.put("references", tier.references());
    json.put("sampled_references", tier.sampledReferences());
    json.put("sampling_rate", finite(tier.samplingRate()));
    json.put("sampled_keys", tier.sampledKeys());
    json.put("max_hit_ratio", finite(tier.maxHitRatio()));
    List<Map<String, Object>> targets = new ArrayList<>();
    for (SizingReport.Target target : tier.targets()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("hit_ratio", target.hitRatio());
      row.put("bytes", target.bytes());
      row.put("reachable", target.reachable());
      if (!target.reachable()) {
        row.put("reason", unreachable(tier));
      }
      targets.add(row);
    }
    json.put("targets", targets);
    List<Map<String, Object>> curve = new ArrayList<>();
    for (SizingReport.Point point : tier.curve()) {
      curve.add(Map.of("bytes", point.bytes(), "hit_ratio", point.hitRatio()));
    }
    json.put("curve", curve);
    json.put("max_bytes", tier.maxBytes() > 0 ? tier.maxBytes() : null);
    json.put("predicted_hit_ratio", finite(tier.predictedHitRatio()));
    json.put("measured_hit_ratio", finite(tier.measuredHitRatio()));
    return json;
  }

  /** Why no size reaches a target hit ratio, in words an operator can act on. */
  static String unreachable(SizingReport.Tier tier) {
    if (tier.references() == 0) {
      return "nothing sampled yet: no cacheable read has reached this tier";
    }
    if (!tier.estimated()) {
      return "not estimated for this tier";
    }
    if (tier.maxHitRatio() <= 0) {
      return "no read of this tier was a repeat yet: each of its "
          + tier.references()
          + " reads was a first read or a read after expiry, which miss at any size";
    }
    return String.format(
        Locale.ROOT,
        "not reachable at any size: first reads and reads after expiry miss, so at most %.1f%% of"
            + " this tier's %d reads can hit",
        tier.maxHitRatio() * 100,
        tier.references());
  }

  /** The dead letters as JSON (payloads left out: they are large and held in the store). */
  static String deadLettersJson(List<WebhookOutbox.Delivery> dead) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>(dead.size());
    for (WebhookOutbox.Delivery delivery : dead) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", delivery.id());
      row.put("event", delivery.eventId());
      row.put("object", delivery.objectId());
      // A target's URL may carry credentials (user-info, ?token=), and so may an error naming it.
      row.put("target", SecretRedactor.redact(delivery.target()));
      row.put("attempts", delivery.attempts());
      String lastError = delivery.lastError();
      row.put("last_error", lastError == null ? null : SecretRedactor.redact(lastError));
      rows.add(row);
    }
    return JSON.writeValueAsString(Map.of("object", "list", "data", rows));
  }
}
