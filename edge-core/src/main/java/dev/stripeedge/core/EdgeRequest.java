package dev.stripeedge.core;

import dev.stripeedge.core.internal.HeaderMaps;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request to the Stripe API as the edge sees it, immutable.
 *
 * <p>Header names are lower-cased on construction, so lookups ignore case; {@code rawQuery} is the
 * query string as sent, without the {@code ?}, empty when there is none. The body array is owned by
 * the record: callers must not change it after handing it over.
 *
 * @param method upper-case HTTP method
 * @param path path starting with {@code /}, without the query
 * @param rawQuery query string as sent, without {@code ?}; empty for none
 * @param headers header values by lower-case name
 * @param body request body, empty for none
 */
public record EdgeRequest(
    String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {

  public EdgeRequest {
    method = method.toUpperCase(Locale.ROOT);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/': " + path);
    }
    if (rawQuery.startsWith("?")) {
      rawQuery = rawQuery.substring(1);
    }
    headers = HeaderMaps.normalize(headers);
  }

  /**
   * A request from an HTTP server's header pairs (any case, a name repeated for several values),
   * normalized in one pass.
   */
  public static EdgeRequest fromHeaderPairs(
      String method,
      String path,
      String rawQuery,
      Iterable<Map.Entry<String, String>> headerPairs,
      byte[] body) {
    return new EdgeRequest(method, path, rawQuery, HeaderMaps.fromPairs(headerPairs), body);
  }

  /** A request without headers or body. */
  public static EdgeRequest of(String method, String path, String rawQuery) {
    return new EdgeRequest(method, path, rawQuery, Map.of(), new byte[0]);
  }

  /** The first value of header {@code name} (any case), or null. */
  public @Nullable String header(String name) {
    return HeaderMaps.first(headers, name);
  }

  /** A copy with header {@code name} set to the single {@code value}. */
  public EdgeRequest withHeader(String name, String value) {
    return new EdgeRequest(method, path, rawQuery, HeaderMaps.with(headers, name, value), body);
  }

  /** The path and, when present, {@code ?} and the query. */
  public String pathAndQuery() {
    return rawQuery.isEmpty() ? path : path + "?" + rawQuery;
  }

  @Override
  public String toString() {
    // Never the headers: they carry the API key.
    return "EdgeRequest[" + method + " " + pathAndQuery() + ", " + body.length + " bytes]";
  }
}
