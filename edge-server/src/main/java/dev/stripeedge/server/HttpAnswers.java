package dev.stripeedge.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** The sidecar's own answers: plain text, and errors in Stripe's shape (never a stack trace). */
final class HttpAnswers {

  private HttpAnswers() {}

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
