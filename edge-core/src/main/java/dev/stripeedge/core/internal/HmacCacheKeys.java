package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.EdgeRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** {@link CacheKeys#hmac}: keys with an HMAC-SHA256 of the API key. Thread-safe. */
public final class HmacCacheKeys implements CacheKeys {

  private final ApiKeyHasher hasher;

  public HmacCacheKeys(byte[] secret) {
    this.hasher = new ApiKeyHasher(secret);
  }

  @Override
  public CacheKey keyFor(EdgeRequest request) {
    String apiKey = ApiKeys.of(request);
    StringBuilder key = new StringBuilder(160);
    key.append(request.method()).append(' ').append(request.path());
    String query = canonicalQuery(request.rawQuery());
    if (!query.isEmpty()) {
      key.append('?').append(query);
    }
    key.append(" acct=").append(nullToEmpty(request.header("stripe-account")));
    key.append(" ctx=").append(nullToEmpty(request.header("stripe-context")));
    key.append(" ver=").append(nullToEmpty(request.header("stripe-version")));
    key.append(" key=").append(apiKey == null ? "-" : hasher.hash(apiKey));
    return new CacheKey(key.toString());
  }

  /**
   * The plain {@code GET} (no query) whose key {@code key} could be, rebuilt with {@code apiKey}:
   * its path, {@code Stripe-Account}, {@code Stripe-Context} and {@code Stripe-Version} read back
   * from the key's parts; null when {@code key} is not such a key. The caller checks that {@link
   * #keyFor} of the result is {@code key}: only then was the entry cached under {@code apiKey}.
   */
  static @Nullable EdgeRequest plainGetOf(CacheKey key, String apiKey) {
    String value = key.value();
    if (!value.startsWith("GET /")) {
      return null;
    }
    int acct = value.indexOf(" acct=");
    int ctx = acct < 0 ? -1 : value.indexOf(" ctx=", acct);
    int ver = ctx < 0 ? -1 : value.indexOf(" ver=", ctx);
    int hash = ver < 0 ? -1 : value.indexOf(" key=", ver);
    if (hash < 0) {
      return null;
    }
    String path = value.substring("GET ".length(), acct);
    if (path.contains("?") || path.contains(" ")) {
      return null;
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("authorization", List.of("Bearer " + apiKey));
    putUnlessEmpty(headers, "stripe-account", value.substring(acct + " acct=".length(), ctx));
    putUnlessEmpty(headers, "stripe-context", value.substring(ctx + " ctx=".length(), ver));
    putUnlessEmpty(headers, "stripe-version", value.substring(ver + " ver=".length(), hash));
    return new EdgeRequest("GET", path, "", headers, new byte[0]);
  }

  private static void putUnlessEmpty(Map<String, List<String>> headers, String name, String value) {
    if (!value.isEmpty()) {
      headers.put(name, List.of(value));
    }
  }

  /**
   * The query with parameters sorted by name (values of one name keep their order, since {@code
   * items[]} order can matter), {@code expand[N]} written as {@code expand[]} and expansions sorted
   * (their order never matters to Stripe).
   */
  static String canonicalQuery(String rawQuery) {
    if (rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> pairs = new ArrayList<>();
    for (String part : rawQuery.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = decode(eq < 0 ? part : part.substring(0, eq));
      String value = eq < 0 ? "" : decode(part.substring(eq + 1));
      if (name.startsWith("expand[") && name.endsWith("]")) {
        name = "expand[]";
      }
      pairs.add(new String[] {name, value});
    }
    Comparator<String[]> byName = Comparator.comparing(p -> p[0]);
    // List.sort is stable: equal names keep their relative order, except expansions.
    pairs.sort(byName.thenComparing((a, b) -> a[0].equals("expand[]") ? a[1].compareTo(b[1]) : 0));
    StringBuilder out = new StringBuilder(rawQuery.length());
    for (String[] pair : pairs) {
      if (!out.isEmpty()) {
        out.append('&');
      }
      out.append(encode(pair[0])).append('=').append(encode(pair[1]));
    }
    return out.toString();
  }

  private static String decode(String value) {
    try {
      return URLDecoder.decode(value, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // A malformed escape: keep it literal, it still identifies the request.
      return value;
    }
  }

  private static String encode(String value) {
    // Brackets stay readable, as Stripe's SDKs send them.
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("%5B", "[").replace("%5D", "]");
  }

  private static String nullToEmpty(@Nullable String value) {
    return value == null ? "" : value;
  }
}
