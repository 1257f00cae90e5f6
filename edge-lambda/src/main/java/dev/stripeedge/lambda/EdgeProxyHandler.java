package dev.stripeedge.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWrites;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy behind a Function URL (or an HTTP API), for applications in other languages: their
 * Stripe SDK's API base points at the URL, and each {@code /v1/} or {@code /v2/} request goes
 * through the runtime's request pipeline (tiers, budget, retries, asynchronous writes) as it would
 * through the sidecar. A Function URL with {@code AuthType AWS_IAM} keeps strangers out; the Stripe
 * key still travels in {@code Authorization} and is what Stripe judges.
 */
public final class EdgeProxyHandler
    implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

  private static final Logger log = LoggerFactory.getLogger(EdgeProxyHandler.class);

  /** Headers of the hop to AWS's front end, not of the request to Stripe. */
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "host",
          "x-amzn-trace-id",
          "x-forwarded-for",
          "x-forwarded-port",
          "x-forwarded-proto",
          "content-length",
          "connection");

  private final EdgeLambda edge;

  /** The handler AWS instantiates: on the execution environment's edge. */
  public EdgeProxyHandler() {
    this(EdgeLambda.defaultInstance());
  }

  public EdgeProxyHandler(EdgeLambda edge) {
    this.edge = edge;
  }

  /**
   * {@code GET /edge/writes/{id}}: an asynchronous write's status, for the API key that sent it, as
   * the sidecar answers it (on the instance that accepted the write).
   */
  private APIGatewayV2HTTPResponse writeStatus(
      APIGatewayV2HTTPEvent event, String method, String id) {
    AsyncWrites writes = edge.runtime().asyncWrites();
    if (writes == null || !method.equals("GET")) {
      return HttpEvents.error(
          writes == null ? 404 : 405,
          "invalid_request_error",
          null,
          writes == null
              ? "Asynchronous writes are off on this edge."
              : "Use GET on " + AsyncWrites.STATUS_PATH + "{id}.");
    }
    return HttpEvents.answer(writes.status(id, HttpEvents.header(event, "authorization")));
  }

  @Override
  public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
    String method = HttpEvents.method(event);
    String path = HttpEvents.path(event);
    if (path.startsWith(AsyncWrites.STATUS_PATH)) {
      return writeStatus(event, method, path.substring(AsyncWrites.STATUS_PATH.length()));
    }
    if (!path.startsWith("/v1/") && !path.startsWith("/v2/")) {
      return HttpEvents.error(
          404,
          "invalid_request_error",
          null,
          "Unrecognized request URL ("
              + method
              + ": "
              + path
              + "). stripe-edge forwards /v1/ and /v2/ to Stripe.");
    }
    byte[] body;
    try {
      body = HttpEvents.body(event);
    } catch (IllegalArgumentException e) {
      return HttpEvents.error(
          400, "invalid_request_error", null, "The body is marked base64 but is not.");
    }
    if (body.length > edge.settings().maxBodyBytes()) {
      return HttpEvents.error(
          413, "invalid_request_error", null, "The request body is larger than the edge accepts.");
    }
    var headers = HttpEvents.headerLists(event);
    headers
        .keySet()
        .removeIf(name -> HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT)));
    EdgeRequest request = new EdgeRequest(method, path, HttpEvents.query(event), headers, body);
    try {
      EdgeResponse response = edge.runtime().requestPipeline().handle(request).get();
      return HttpEvents.answer(response);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HttpEvents.error(
          502, "api_error", "api_connection_error", "The edge could not complete the request.");
    } catch (ExecutionException e) {
      log.error("pipeline failed", e.getCause());
      return HttpEvents.error(
          502, "api_error", "api_connection_error", "The edge could not complete the request.");
    }
  }
}
