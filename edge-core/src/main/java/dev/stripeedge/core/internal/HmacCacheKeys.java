package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.StripeRoutes;
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

  /**
   * The resource of the path {@code value} (a {@link CacheKey#value()}) was made for ({@code
   * customers}), by the route of its path; empty when it holds no path.
   */
  static String resourceOf(String value) {
    int space = value.indexOf(' ');
    int acct = value.indexOf(" acct=");
    if (space < 0 || acct <= space) {
      return "";
    }
    String path = value.substring(space + 1, acct);
    int query = path.indexOf('?');
    return StripeRoutes.classify(query < 0 ? path : path.substring(0, query)).resource();
  }

  /**
   * The {@code Stripe-Account} {@code key} was made for, empty for the platform's own; null when it
   * has a {@code Stripe-Context} (whose account the key cannot tell) or is not such a key.
   */
  static @Nullable String accountOf(CacheKey key) {
    String value = key.value();
    int acct = value.lastIndexOf(" acct=");
    int ctx = acct < 0 ? -1 : value.indexOf(" ctx=", acct);
    int ver = ctx < 0 ? -1 : value.indexOf(" ver=", ctx);
    if (ver < 0 || ver != ctx + " ctx=".length()) {
      return null;
    }
    return value.substring(acct + " acct=".length(), ctx);
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
    List<FormCodec.Pair> pairs = new ArrayList<>();
    for (FormCodec.Pair pair : FormCodec.decode(rawQuery)) {
      String name = pair.name();
      pairs.add(
          name.startsWith("expand[") && name.endsWith("]")
              ? new FormCodec.Pair("expand[]", pair.value())
              : pair);
    }
    Comparator<FormCodec.Pair> byName = Comparator.comparing(FormCodec.Pair::name);
    // List.sort is stable: equal names keep their relative order, except expansions.
    pairs.sort(
        byName.thenComparing(
            (a, b) -> a.name().equals("expand[]") ? a.value().compareTo(b.value()) : 0));
    return FormCodec.encode(pairs);
  }

  private static String nullToEmpty(@Nullable String value) {
    return value == null ? "" : value;
  }
}
