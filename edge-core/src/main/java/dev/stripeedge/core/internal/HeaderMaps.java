package dev.stripeedge.core.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Header multimaps with lower-case names, immutable; shared by the request and response records.
 */
public final class HeaderMaps {

  /**
   * Hop-by-hop headers (RFC 9110 §7.6.1) plus those the HTTP layer computes itself: never forwarded
   * in either direction.
   */
  public static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "trailers",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "http2-settings");

  private HeaderMaps() {}

  /** A sorted, immutable copy with lower-case names; values keep their order. */
  public static Map<String, List<String>> normalize(Map<String, List<String>> headers) {
    TreeMap<String, List<String>> copy = new TreeMap<>();
    headers.forEach(
        (name, values) ->
            copy.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .addAll(values));
    copy.replaceAll((name, values) -> List.copyOf(values));
    return Collections.unmodifiableMap(copy);
  }

  /** The first value of {@code name} (any case), or null. */
  public static @org.jspecify.annotations.Nullable String first(
      Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** A copy with {@code name} set to the single {@code value}. */
  public static Map<String, List<String>> with(
      Map<String, List<String>> headers, String name, String value) {
    TreeMap<String, List<String>> copy = new TreeMap<>(headers);
    copy.put(name.toLowerCase(Locale.ROOT), List.of(value));
    return Collections.unmodifiableMap(copy);
  }

  /**
   * A copy without hop-by-hop headers, including those the {@code Connection} header names (RFC
   * 9110 §7.6.1), and without HTTP/2 pseudo-headers.
   */
  public static Map<String, List<String>> endToEnd(Map<String, List<String>> headers) {
    Set<String> named = new java.util.HashSet<>();
    for (String value : headers.getOrDefault("connection", List.of())) {
      for (String token : value.split(",")) {
        named.add(token.strip().toLowerCase(Locale.ROOT));
      }
    }
    TreeMap<String, List<String>> copy = new TreeMap<>();
    headers.forEach(
        (name, values) -> {
          if (!HOP_BY_HOP.contains(name) && !named.contains(name) && !name.startsWith(":")) {
            copy.put(name, values);
          }
        });
    return Collections.unmodifiableMap(copy);
  }
}
