package dev.stripeedge.core;

import dev.stripeedge.core.internal.HeaderMaps;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One response from the Stripe API (or from the edge on its behalf), immutable.
 *
 * <p>Header names are lower-cased on construction. The body array is owned by the record and shared
 * between cache hits: nobody may change it.
 *
 * @param status HTTP status code
 * @param headers header values by lower-case name
 * @param body response body, empty for none
 */
public record EdgeResponse(int status, Map<String, List<String>> headers, byte[] body) {

  public EdgeResponse {
    if (status < 100 || status > 999) {
      throw new IllegalArgumentException("status must be 100..999: " + status);
    }
    headers = HeaderMaps.normalize(headers);
  }

  /** The first value of header {@code name} (any case), or null. */
  public @Nullable String header(String name) {
    return HeaderMaps.first(headers, name);
  }

  /** A copy with header {@code name} set to the single {@code value}. */
  public EdgeResponse withHeader(String name, String value) {
    return new EdgeResponse(status, HeaderMaps.with(headers, name, value), body);
  }

  /** A copy with each of {@code values}' headers set to its single value (one copy for all). */
  public EdgeResponse withHeaders(Map<String, String> values) {
    return new EdgeResponse(status, HeaderMaps.with(headers, values), body);
  }

  /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "EdgeResponse[" + status + ", " + body.length + " bytes]";
  }
}
