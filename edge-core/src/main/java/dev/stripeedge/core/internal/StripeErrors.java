package dev.stripeedge.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.stripeedge.core.EdgeResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Reads and writes Stripe's error shape ({@code {"error":{"type","code","message"}}}). */
public final class StripeErrors {

  static final JsonFactory JSON = new JsonFactory();

  private StripeErrors() {}

  /** {@code error.code} of a Stripe error body, or empty when there is none. */
  public static String code(byte[] body) {
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return "";
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("error") && value == JsonToken.START_OBJECT) {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String inner = parser.currentName();
            JsonToken innerValue = parser.nextToken();
            if (inner.equals("code") && innerValue == JsonToken.VALUE_STRING) {
              return parser.getText();
            }
            parser.skipChildren();
          }
          return "";
        }
        parser.skipChildren();
      }
      return "";
    } catch (IOException e) {
      // Not JSON (a load balancer's HTML page): no code.
      return "";
    }
  }

  /**
   * The edge's own error response, shaped like Stripe's so SDKs map it: {@code api_error} with
   * {@code code}, never a stack trace.
   */
  public static EdgeResponse response(int status, String code, String message) {
    return response(status, "api_error", code, message);
  }

  /**
   * An error response of Stripe's shape with the given {@code type} ({@code
   * invalid_request_error}…).
   */
  public static EdgeResponse response(int status, String type, String code, String message) {
    return response(status, type, code, message, null);
  }

  /**
   * An error response of Stripe's shape naming the request parameter at fault ({@code
   * error.param}), when {@code param} is not null.
   */
  public static EdgeResponse response(
      int status,
      String type,
      String code,
      String message,
      @org.jspecify.annotations.Nullable String param) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeObjectFieldStart("error");
      json.writeStringField("type", type);
      json.writeStringField("code", code);
      json.writeStringField("message", message);
      if (param != null) {
        json.writeStringField("param", param);
      }
      json.writeEndObject();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new EdgeResponse(
        status,
        Map.of(
            "content-type", List.of("application/json"),
            "cache-control", List.of("no-cache, no-store")),
        out.toByteArray());
  }
}
