package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWrites;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's {@code /v1/…} or {@code /v2/…} request, forwarded into the edge pipeline and its
 * answer written back: the body read up to the configured limit (a Stripe-shaped 413 past it,
 * without buffering the rest), hop-by-hop headers dropped both ways, the answer written on the
 * request's own context. Also {@code GET /edge/writes/{id}}, an asynchronous write's status. Which
 * requests come here is {@link ListenerRoutes}' decision.
 */
final class ProxyHandler {

  // Under the server's name: operators' log settings and tests name EdgeServer for these lines.
  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);

  /** Hop-by-hop headers (RFC 9110 §7.6.1) and those the server sets itself. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "content-length",
          "host");

  private final Vertx vertx;
  // What clients' requests enter: the pipeline behind the asynchronous-write front when it is on.
  private final EdgePipeline requestPipeline;
  private final @Nullable AsyncWrites asyncWrites;
  private final int maxBodyBytes;

  ProxyHandler(
      Vertx vertx,
      EdgePipeline requestPipeline,
      @Nullable AsyncWrites asyncWrites,
      int maxBodyBytes) {
    this.vertx = vertx;
    this.requestPipeline = requestPipeline;
    this.asyncWrites = asyncWrites;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Reads the body of a {@code /v1/} or {@code /v2/} request, then forwards it. */
  void receive(HttpServerRequest request, AccessLog.Pending line) {
    String length = request.getHeader("content-length");
    if (length != null && tooLong(length)) {
      tooLarge(request);
      return;
    }
    Buffer body = Buffer.buffer();
    request.handler(
        chunk -> {
          if (body.length() + chunk.length() > maxBodyBytes) {
            if (!request.response().headWritten()) {
              tooLarge(request);
            }
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        done -> {
          if (!request.response().headWritten() && !request.response().ended()) {
            forward(request, body.getBytes(), line);
          }
        });
  }

  private void forward(HttpServerRequest request, byte[] body, AccessLog.Pending line) {
    Context context = vertx.getOrCreateContext();
    String query = request.query();
    EdgeRequest edgeRequest =
        EdgeRequest.fromHeaderPairs(
            request.method().name(),
            ListenerRoutes.pathOf(request),
            query == null ? "" : query,
            headers(request.headers()),
            body);
    requestPipeline
        .handle(edgeRequest)
        .whenComplete(
            (response, failure) -> {
              line.answered(edgeRequest, response);
              if (Vertx.currentContext() == context) {
                respond(request.response(), response, failure);
              } else {
                context.runOnContext(v -> respond(request.response(), response, failure));
              }
            });
  }

  /**
   * {@code GET /edge/writes/{id}}: an asynchronous write's status, for the API key that sent it
   * (another key, or no such write: 404).
   */
  void writeStatus(HttpServerRequest request, String id) {
    AsyncWrites writes = asyncWrites;
    if (writes == null || request.method() != HttpMethod.GET) {
      error(
          request.response(),
          writes == null ? 404 : 405,
          "invalid_request_error",
          null,
          writes == null
              ? "Asynchronous writes are off on this edge."
              : "Use GET on " + AsyncWrites.STATUS_PATH + "{id}.");
      return;
    }
    String authorization = request.getHeader("authorization");
    HttpAnswers.offLoop(
        vertx,
        request,
        () -> writes.status(id, authorization),
        "The edge could not read the write's status.",
        (out, answer) -> respond(out, answer, null));
  }

  private static void respond(
      HttpServerResponse out, @Nullable EdgeResponse response, @Nullable Throwable failure) {
    if (out.closed()) {
      return;
    }
    if (failure != null || response == null) {
      log.error("pipeline failed", failure);
      error(
          out,
          502,
          "api_error",
          "api_connection_error",
          "The edge could not complete the request.");
      return;
    }
    out.setStatusCode(response.status());
    MultiMap headers = out.headers();
    response
        .headers()
        .forEach(
            (name, values) -> {
              if (NOT_FORWARDED.contains(name)) {
                return;
              }
              if (values.size() == 1) {
                headers.add(name, values.get(0));
              } else {
                headers.add(name, values);
              }
            });
    // Wrap, don't copy: cached bodies are immutable and shared.
    out.end(BufferInternal.buffer(Unpooled.wrappedBuffer(response.body())));
  }

  /** The request's headers without hop-by-hop ones. */
  private static List<Map.Entry<String, String>> headers(MultiMap in) {
    List<Map.Entry<String, String>> kept = new ArrayList<>(in.size());
    for (Map.Entry<String, String> header : in) {
      if (!NOT_FORWARDED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        kept.add(header);
      }
    }
    return kept;
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.strip()) > maxBodyBytes;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void tooLarge(HttpServerRequest request) {
    boolean http1 = request.version() != HttpVersion.HTTP_2;
    if (http1) {
      // Stop the client sending the rest; HTTP/2 forbids the header (the stream is reset instead).
      request.response().putHeader("Connection", "close");
    }
    error(
        request.response(),
        413,
        "invalid_request_error",
        null,
        "Request body too large: stripe-edge accepts at most " + maxBodyBytes + " bytes.");
    if (http1) {
      // Vert.x keeps the connection open whatever the header says; the unread rest of the body
      // must not be read as a next request.
      RequestGuard.closeAfterAnswer(request.connection());
    }
  }
}
