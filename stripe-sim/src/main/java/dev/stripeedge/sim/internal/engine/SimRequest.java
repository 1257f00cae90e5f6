package dev.stripeedge.sim.internal.engine;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP request as the engine sees it, independent of the server.
 *
 * @param method upper-case HTTP method
 * @param path the path without the query
 * @param query the raw query string, "" when none
 * @param headers header values by lower-case name
 * @param body the raw body
 */
public record SimRequest(
    String method, String path, String query, Map<String, String> headers, byte[] body) {

  public @Nullable String header(String lowerCaseName) {
    return headers.get(lowerCaseName);
  }
}
