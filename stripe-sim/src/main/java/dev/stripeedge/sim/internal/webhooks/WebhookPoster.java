package dev.stripeedge.sim.internal.webhooks;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Sends one signed webhook POST and reports the response status.
 *
 * <p>Thread-safe and non-blocking. The returned future never fails: it completes with the HTTP
 * status, or {@code -1} for an invalid URL, a connection error or a timeout.
 */
final class WebhookPoster {
  static final String CONTENT_TYPE = "application/json; charset=utf-8";
  static final String USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

  /** Receivers may answer with anything; past this many bytes we stop reading and drop the line. */
  static final long MAX_RESPONSE_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final HttpClient client;

  WebhookPoster(Vertx vertx, HttpClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /**
   * POSTs {@code payload} to {@code url}; {@code timeoutMillis} bounds the whole exchange up to the
   * response status (connect, send and wait), not just idle gaps.
   */
  Future<Integer> post(String url, byte[] payload, String signature, long timeoutMillis) {
    Promise<Integer> result = Promise.promise();
    RequestOptions options;
    try {
      options =
          new RequestOptions()
              .setMethod(HttpMethod.POST)
              .setAbsoluteURI(url)
              .setFollowRedirects(false)
              .setConnectTimeout(timeoutMillis)
              .setIdleTimeout(timeoutMillis)
              .putHeader("Content-Type", CONTENT_TYPE)
              .putHeader("User-Agent", USER_AGENT)
              .putHeader(WebhookSigner.HEADER, signature);
    } catch (RuntimeException e) {
      // A malformed endpoint URL is the receiver's problem, like an unreachable host.
      return Future.succeededFuture(-1);
    }
    AtomicReference<@Nullable HttpClientRequest> request = new AtomicReference<>();
    // Vert.x only offers connect and idle timeouts; a slow-dripping server would dodge both, so an
    // own deadline enforces Stripe's overall per-attempt limit.
    long deadline =
        vertx.setTimer(
            Math.max(1, timeoutMillis),
            id -> {
              if (result.tryComplete(-1)) {
                HttpClientRequest inFlight = request.get();
                if (inFlight != null) {
                  inFlight.reset(0, new TimeoutException("webhook attempt timed out"));
                }
              }
            });
    client
        .request(options)
        .compose(
            req -> {
              request.set(req);
              if (result.future().isComplete()) {
                req.reset();
                return Future.failedFuture(new TimeoutException("webhook attempt timed out"));
              }
              return req.send(Buffer.buffer(payload));
            })
        .onComplete(
            ar -> {
              vertx.cancelTimer(deadline);
              if (ar.failed()) {
                result.tryComplete(-1);
                return;
              }
              HttpClientResponse response = ar.result();
              discardBody(response);
              result.tryComplete(response.statusCode());
            });
    return result.future();
  }

  /** Drains the body without buffering it, resetting the stream once it grows past the cap. */
  private static void discardBody(HttpClientResponse response) {
    // A plain counter suffices: a response's handlers all run on its one connection context.
    long[] seen = {0};
    response.exceptionHandler(e -> {});
    response.handler(
        chunk -> {
          seen[0] += chunk.length();
          if (seen[0] > MAX_RESPONSE_BYTES) {
            response.handler(null);
            response.request().reset();
          }
        });
  }
}
