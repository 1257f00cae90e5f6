package dev.stripeedge.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sidecar's own answers: plain text, and errors in Stripe's shape (never a stack trace). */
final class HttpAnswers {

  private static final Logger log = LoggerFactory.getLogger(HttpAnswers.class);

  private HttpAnswers() {}

  /**
   * Runs {@code work} off the event loop (it blocks: a disk write, a store read), then, back on the
   * request's context, {@code answer}s with its result; a failure is logged and answered 500 with
   * {@code failure} as the message. Nothing is written to a closed connection.
   */
  static <T> void offLoop(
      Vertx vertx,
      HttpServerRequest request,
      Callable<T> work,
      String failure,
      BiConsumer<HttpServerResponse, T> answer) {
    vertx
        .executeBlocking(work, false)
        .onComplete(
            result -> {
              HttpServerResponse out = request.response();
              if (out.closed()) {
                return;
              }
              if (result.failed()) {
                log.error("{} {} failed", request.method(), request.path(), result.cause());
                error(out, 500, "api_error", null, failure);
                return;
              }
              answer.accept(out, result.result());
            });
  }

  static void plain(HttpServerResponse out, int status, String text) {
    out.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(text);
  }

  static void error(
      HttpServerResponse out, int status, String type, @Nullable String code, String message) {
    StringBuilder json = new StringBuilder("{\"error\":{");
    if (code != null) {
      json.append("\"code\":\"").append(code).append("\",");
    }
    json.append("\"message\":\"")
        .append(escape(message))
        .append("\",\"type\":\"")
        .append(type)
        .append("\"}}");
    out.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(json.toString().getBytes(StandardCharsets.UTF_8)));
  }

  static String escape(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
