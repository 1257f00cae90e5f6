package dev.stripeedge.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.stripeedge.core.EdgeResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * API Gateway HTTP API (payload 2.0) and Function URL events, which share one format: the request's
 * parts, and answers in it. Header names arrive lower-cased, repeated headers joined by commas; a
 * body that is not text arrives in base64 ({@code isBase64Encoded}).
 */
final class HttpEvents {

  private HttpEvents() {}

  static String method(APIGatewayV2HTTPEvent event) {
    var context = event.getRequestContext();
    var http = context == null ? null : context.getHttp();
    String method = http == null ? null : http.getMethod();
    return method == null ? "GET" : method.toUpperCase(Locale.ROOT);
  }

  static String path(APIGatewayV2HTTPEvent event) {
    String path = event.getRawPath();
    return path == null || path.isEmpty() ? "/" : path;
  }

  static String query(APIGatewayV2HTTPEvent event) {
    String query = event.getRawQueryString();
    return query == null ? "" : query;
  }

  static Map<String, String> headers(APIGatewayV2HTTPEvent event) {
    Map<String, String> headers = event.getHeaders();
    return headers == null ? Map.of() : headers;
  }

  static @Nullable String header(APIGatewayV2HTTPEvent event, String name) {
    for (Map.Entry<String, String> header : headers(event).entrySet()) {
      if (header.getKey().equalsIgnoreCase(name)) {
        return header.getValue();
      }
    }
    return null;
  }

  /**
   * The body's bytes as the client sent them.
   *
   * @throws IllegalArgumentException a body marked base64 that is not
   */
  static byte[] body(APIGatewayV2HTTPEvent event) {
    String body = event.getBody();
    if (body == null || body.isEmpty()) {
      return new byte[0];
    }
    return event.getIsBase64Encoded()
        ? Base64.getDecoder().decode(body)
        : body.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code response} as an answer: JSON and text as they are, anything else in base64. */
  static APIGatewayV2HTTPResponse answer(EdgeResponse response) {
    Map<String, String> headers = new LinkedHashMap<>();
    response.headers().forEach((name, values) -> headers.put(name, String.join(", ", values)));
    String type = response.header("content-type");
    boolean text =
        type != null && (type.startsWith("application/json") || type.startsWith("text/"));
    return APIGatewayV2HTTPResponse.builder()
        .withStatusCode(response.status())
        .withHeaders(headers)
        .withBody(
            text
                ? new String(response.body(), StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(response.body()))
        .withIsBase64Encoded(!text)
        .build();
  }

  /** A Stripe-shaped error ({@code {"error":{…}}}), as the sidecar answers. */
  static APIGatewayV2HTTPResponse error(
      int status, String type, @Nullable String code, String message) {
    return json(
        status,
        "{\"error\":{\"type\":\""
            + escape(type)
            + "\""
            + (code == null ? "" : ",\"code\":\"" + escape(code) + "\"")
            + ",\"message\":\""
            + escape(message)
            + "\"}}",
        Map.of());
  }

  static APIGatewayV2HTTPResponse json(int status, String body, Map<String, String> more) {
    Map<String, String> headers = new LinkedHashMap<>(more);
    headers.put("content-type", "application/json");
    return APIGatewayV2HTTPResponse.builder()
        .withStatusCode(status)
        .withHeaders(headers)
        .withBody(body)
        .withIsBase64Encoded(false)
        .build();
  }

  /** Pairs of header names and values for {@link dev.stripeedge.core.EdgeRequest}. */
  static Map<String, List<String>> headerLists(APIGatewayV2HTTPEvent event) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    headers(event).forEach((name, value) -> out.put(name, List.of(value)));
    return out;
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
