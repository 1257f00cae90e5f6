package dev.stripeedge.core.internal;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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

  /**
   * An immutable copy with lower-case names; values keep their order. A map this class made is
   * returned as it is: the hit path passes headers from record to record, and copying them each
   * time was a third of its cost.
   */
  public static Map<String, List<String>> normalize(Map<String, List<String>> headers) {
    if (headers instanceof Normalized) {
      return headers;
    }
    TreeMap<String, List<String>> copy = new TreeMap<>();
    headers.forEach(
        (name, values) ->
            copy.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .addAll(values));
    copy.replaceAll((name, values) -> List.copyOf(values));
    return new Copy(copy);
  }

  /**
   * Headers as an HTTP server hands them over (name/value pairs, any case, names repeated for
   * several values), made into the normalized form in one pass.
   */
  public static Map<String, List<String>> fromPairs(Iterable<Map.Entry<String, String>> pairs) {
    TreeMap<String, List<String>> headers = new TreeMap<>();
    for (Map.Entry<String, String> pair : pairs) {
      String name = pair.getKey().toLowerCase(Locale.ROOT);
      List<String> values = headers.get(name);
      if (values == null) {
        headers.put(name, List.of(pair.getValue()));
      } else {
        List<String> more = new ArrayList<>(values);
        more.add(pair.getValue());
        headers.put(name, List.copyOf(more));
      }
    }
    return new Copy(headers);
  }

  /** Marks maps known to have lower-case names and immutable value lists. */
  private interface Normalized {}

  /** A normalized copy. */
  private static final class Copy extends AbstractMap<String, List<String>> implements Normalized {
    private final Map<String, List<String>> delegate;

    Copy(Map<String, List<String>> delegate) {
      this.delegate = Collections.unmodifiableMap(delegate);
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
      return delegate.entrySet();
    }

    @Override
    public @org.jspecify.annotations.Nullable List<String> get(Object key) {
      return delegate.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return delegate.containsKey(key);
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public void forEach(
        java.util.function.BiConsumer<? super String, ? super List<String>> action) {
      delegate.forEach(action);
    }
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
    return with(headers, Map.of(name, value));
  }

  /**
   * {@code headers} with each of {@code values}' names set to its single value. Lays the new values
   * over the old map instead of copying it: a cache hit adds two headers to every answer.
   */
  public static Map<String, List<String>> with(
      Map<String, List<String>> headers, Map<String, String> values) {
    Map<String, List<String>> top = new HashMap<>(values.size() * 2);
    values.forEach((name, value) -> top.put(name.toLowerCase(Locale.ROOT), List.of(value)));
    return new Overlay(normalize(headers), top);
  }

  /** Normalized headers with a few replaced or added; reads see {@code top} first. */
  private static final class Overlay extends AbstractMap<String, List<String>>
      implements Normalized {
    private final Map<String, List<String>> base;
    private final Map<String, List<String>> top;

    Overlay(Map<String, List<String>> base, Map<String, List<String>> top) {
      this.base = base;
      this.top = Collections.unmodifiableMap(top);
    }

    @Override
    public @org.jspecify.annotations.Nullable List<String> get(Object key) {
      List<String> value = top.get(key);
      return value != null ? value : base.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return top.containsKey(key) || base.containsKey(key);
    }

    @Override
    public void forEach(
        java.util.function.BiConsumer<? super String, ? super List<String>> action) {
      base.forEach(
          (name, values) -> {
            if (!top.containsKey(name)) {
              action.accept(name, values);
            }
          });
      top.forEach(action);
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
      Map<String, List<String>> merged = new java.util.LinkedHashMap<>(base);
      merged.putAll(top);
      return Collections.unmodifiableMap(merged).entrySet();
    }
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
    normalize(headers)
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name) && !named.contains(name) && !name.startsWith(":")) {
                copy.put(name, values);
              }
            });
    return new Copy(copy);
  }
}
