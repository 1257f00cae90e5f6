package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;
import static dev.stripeedge.server.HttpAnswers.escape;
import static dev.stripeedge.server.HttpAnswers.offLoop;

import dev.stripeedge.core.Secret;
import dev.stripeedge.core.webhooks.EventProcessor;
import dev.stripeedge.core.webhooks.StripeSignature;
import dev.stripeedge.core.webhooks.WebhookIngest;
import dev.stripeedge.runtime.EdgeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The webhook endpoints, on the proxy listener or their own ({@code listeners.webhooks}): the
 * primary path and any further ones (Connect), each verifying with its own secrets through a {@link
 * WebhookIngest}. The body is read up to the payload limit on the event loop, then recorded off it
 * (the ledger writes to disk); the answer is 2xx only once the event is recorded. The primary path
 * answers 503 while it has no secret.
 */
final class WebhookReceiver {

  private final Vertx vertx;
  private final MeterRegistry metrics;
  private final String primaryPath;
  private final Map<String, WebhookIngest> ingests;
  private final Runnable beforeIngest;
  private final AccessLog events;

  /**
   * @param processor records and applies events; null when no store is open (every path then
   *     answers 503)
   * @param clock the wall clock signatures' timestamps are judged by
   * @param beforeIngest a test hook run before each recording
   * @param events where a refused delivery is told (one capped line each)
   */
  WebhookReceiver(
      Vertx vertx,
      EdgeSettings.Webhooks webhooks,
      @Nullable EventProcessor processor,
      MeterRegistry metrics,
      Clock clock,
      Runnable beforeIngest,
      AccessLog events) {
    this.events = events;
    this.vertx = vertx;
    this.metrics = metrics;
    this.primaryPath = webhooks.path();
    this.ingests = processor == null ? Map.of() : ingests(webhooks, processor, metrics, clock);
    this.beforeIngest = beforeIngest;
  }

  /** One ingest per configured endpoint, all feeding {@code processor} (and so one ledger). */
  private static Map<String, WebhookIngest> ingests(
      EdgeSettings.Webhooks webhooks,
      EventProcessor processor,
      MeterRegistry metrics,
      Clock clock) {
    Map<String, List<String>> secretsByPath = new LinkedHashMap<>();
    if (!webhooks.secrets().isEmpty()) {
      secretsByPath.put(webhooks.path(), revealed(webhooks.secrets()));
    }
    webhooks.endpoints().forEach(e -> secretsByPath.put(e.path(), revealed(e.secrets())));
    Map<String, WebhookIngest> ingests = new LinkedHashMap<>();
    secretsByPath.forEach(
        (path, secrets) ->
            ingests.put(
                path,
                WebhookIngest.of(
                    path,
                    StripeSignature.of(secrets, webhooks.tolerance(), clock),
                    processor,
                    webhooks.maxPayloadBytes(),
                    metrics)));
    return Map.copyOf(ingests);
  }

  private static List<String> revealed(List<Secret> secrets) {
    return secrets.stream().map(Secret::reveal).toList();
  }

  /** Whether {@code path} is one of the webhook endpoints (with or without a secret). */
  boolean handles(String path) {
    return ingests.containsKey(path) || path.equals(primaryPath);
  }

  /** Handles a delivery to {@code path}, one of {@link #handles these}. */
  void handle(HttpServerRequest request, String path) {
    WebhookIngest receiver = ingests.get(path);
    if (receiver == null) {
      WebhookIngest.countRefusal(metrics, path, "not_configured");
      // Never accept unsigned events: without a secret nothing can be verified.
      error(
          request.response(),
          503,
          "api_error",
          "webhooks_not_configured",
          "stripe-edge has no webhook signing secret: set webhooks.secrets"
              + " (or STRIPE_EDGE_WEBHOOK_SECRETS) to receive Stripe events here.");
      return;
    }
    if (request.method() != HttpMethod.POST) {
      request.response().putHeader("Allow", "POST");
      error(
          request.response(),
          405,
          "invalid_request_error",
          null,
          "Stripe delivers webhooks with POST, not " + request.method() + ".");
      return;
    }
    String length = request.getHeader("content-length");
    int limit = receiver.maxPayloadBytes();
    if (length != null && longerThan(length, limit)) {
      refuse(request, receiver.tooLarge());
      return;
    }
    String signature = request.getHeader("stripe-signature");
    Buffer body = Buffer.buffer();
    request.handler(
        chunk -> {
          if (body.length() + chunk.length() > limit) {
            if (!request.response().headWritten()) {
              refuse(request, receiver.tooLarge());
            }
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        done -> {
          if (request.response().headWritten() || request.response().ended()) {
            return;
          }
          byte[] payload = body.getBytes();
          // The ledger writes to disk: off the event loop.
          offLoop(
              vertx,
              request,
              () -> {
                beforeIngest.run();
                return receiver.accept(payload, signature);
              },
              "The edge could not process the event.",
              (out, result) -> {
                switch (result) {
                  case WebhookIngest.Result.Accepted accepted ->
                      out.setStatusCode(200)
                          .putHeader("Content-Type", "application/json")
                          .end(
                              "{\"received\":true,\"event\":\""
                                  + escape(accepted.event().id())
                                  + "\",\"recorded\":\""
                                  + accepted.recorded().name().toLowerCase(Locale.ROOT)
                                  + "\"}");
                  case WebhookIngest.Result.Refused refused -> refuse(request, refused);
                  case WebhookIngest.Result.Unavailable unavailable ->
                      error(out, 503, "api_error", null, unavailable.message());
                }
              });
        });
  }

  private void refuse(HttpServerRequest request, WebhookIngest.Result.Refused refused) {
    events.event(
        "webhook delivery refused on {}: {} {}",
        String.valueOf(request.path()),
        refused.reason().status(),
        refused.reason().name().toLowerCase(Locale.ROOT));
    boolean close =
        refused.reason() == WebhookIngest.Reason.PAYLOAD_TOO_LARGE
            && request.version() != HttpVersion.HTTP_2;
    if (close) {
      request.response().putHeader("Connection", "close");
    }
    error(
        request.response(),
        refused.reason().status(),
        "invalid_request_error",
        refused.reason().name().toLowerCase(Locale.ROOT),
        refused.message());
    if (close) {
      // The unread rest of the payload must not be read as a next request.
      RequestGuard.closeAfterAnswer(request.connection());
    }
  }

  private static boolean longerThan(String contentLength, int limit) {
    try {
      return Long.parseLong(contentLength.strip()) > limit;
    } catch (NumberFormatException e) {
      return true;
    }
  }
}
