package dev.stripeedge.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.stripeedge.core.webhooks.WebhookIngest;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe's webhook deliveries through API Gateway (HTTP API, payload 2.0) or a Function URL: the
 * signature verified with the configured secrets, the event recorded in the runtime's ledger (on
 * DynamoDB, {@code STRIPE_EDGE_EVENTS_TABLE}: a conditional write, so a delivery that lands on two
 * instances is applied once) and applied to the tiers (invalidated or refreshed), all before the
 * 2xx — the sidecar's ingestion ({@link WebhookIngest}), not a copy of it.
 *
 * <p>Answers: 200 {@code {"received":true,…}} once recorded (a duplicate too); 400 for a delivery
 * that is not trusted; 405 for another method; 413 past the payload limit; 503 while no secret is
 * configured or the ledger fails (Stripe retries).
 */
public final class StripeWebhookHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

  private static final Logger log = LoggerFactory.getLogger(StripeWebhookHandler.class);

  private final EdgeLambda edge;

  /** The handler AWS instantiates: on the execution environment's edge. */
  public StripeWebhookHandler() {
    this(EdgeLambda.defaultInstance());
  }

  public StripeWebhookHandler(EdgeLambda edge) {
    this.edge = edge;
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    String path = HttpEvents.path(event);
    WebhookIngest ingest = edge.webhooks().forPath(path);
    if (ingest == null) {
      WebhookIngest.countRefusal(edge.meters(), path, "not_configured");
      return HttpEvents.error(
          503,
          "api_error",
          "webhooks_not_configured",
          "stripe-edge has no webhook signing secret: set STRIPE_EDGE_WEBHOOK_SECRETS.");
    }
    String method = HttpEvents.method(event);
    if (!method.equals("POST")) {
      return HttpEvents.error(
          405,
          "invalid_request_error",
          null,
          "Stripe delivers webhooks with POST, not " + method + ".");
    }
    byte[] payload;
    try {
      payload = HttpEvents.body(event);
    } catch (IllegalArgumentException e) {
      return HttpEvents.error(
          400, "invalid_request_error", null, "The body is marked base64 but is not.");
    }
    WebhookIngest.Result result =
        ingest.accept(payload, HttpEvents.header(event, "stripe-signature"));
    if (result instanceof WebhookIngest.Result.Accepted accepted) {
      WebhookFanout fanout = edge.webhookFanout();
      if (fanout != null) {
        try {
          fanout.send(accepted.event(), payload);
        } catch (RuntimeException e) {
          // Recorded but not handed over: Stripe's redelivery (a duplicate) sends it again.
          log.warn(
              "webhook event {} not sent to the queue: {}", accepted.event().id(), e.toString());
          return HttpEvents.error(
              503, "api_error", null, "The event was recorded but could not be queued; retry.");
        }
      }
    }
    return switch (result) {
      case WebhookIngest.Result.Accepted accepted ->
          HttpEvents.json(
              200,
              "{\"received\":true,\"event\":\""
                  + HttpEvents.escape(accepted.event().id())
                  + "\",\"recorded\":\""
                  + accepted.recorded().name().toLowerCase(Locale.ROOT)
                  + "\"}",
              Map.of());
      case WebhookIngest.Result.Refused refused -> refused(path, refused);
      case WebhookIngest.Result.Unavailable unavailable ->
          HttpEvents.error(503, "api_error", null, unavailable.message());
    };
  }

  private static APIGatewayV2HTTPResponse refused(
      String path, WebhookIngest.Result.Refused refused) {
    String reason = refused.reason().name().toLowerCase(Locale.ROOT);
    log.info("webhook delivery refused on {}: {} {}", path, refused.reason().status(), reason);
    return HttpEvents.error(
        refused.reason().status(), "invalid_request_error", reason, refused.message());
  }
}
