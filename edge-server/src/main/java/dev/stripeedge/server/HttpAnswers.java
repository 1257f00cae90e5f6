package dev.stripeedge.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
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

  /**
   * Ends {@code out} with an error in Stripe's shape ({@code {"error":{"type":…,"message":…}}}).
   *
   * @return completes once the answer is written
   */
  static Future<Void> error(
      HttpServerResponse out, int status, String type, @Nullable String code, String message) {
    return out.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(errorJson(type, code, message).getBytes(StandardCharsets.UTF_8)));
  }

  /** Stripe's error body: {@code {"error":{"code":…,"message":…,"type":…}}}. */
  static String errorJson(String type, @Nullable String code, String message) {
    StringBuilder json = new StringBuilder("{\"error\":{");
    if (code != null) {
      json.append("\"code\":\"").append(escape(code)).append("\",");
    }
    return json.append("\"message\":\"")
        .append(escape(message))
        .append("\",\"type\":\"")
        .append(escape(type))
        .append("\"}}")
        .toString();
  }

  /**
   * {@code text} as the inside of a JSON string: quotes, backslashes and every control character
   * escaped, so nothing a client sent (a path, an event id) comes back as a raw control byte.
   */
  static String escape(String text) {
    @Nullable StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      @Nullable String replacement =
          switch (c) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default ->
                c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029
                    ? String.format(Locale.ROOT, "\\u%04x", (int) c)
                    : null;
          };
      if (replacement != null) {
        if (out == null) {
          out = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        out.append(replacement);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? text : out.toString();
  }
}
