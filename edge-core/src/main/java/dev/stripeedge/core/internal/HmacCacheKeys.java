package dev.stripeedge.core.internal;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.CacheKeys;
import dev.stripeedge.core.EdgeRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** {@link CacheKeys#hmac}: keys with an HMAC-SHA256 of the API key. Thread-safe. */
public final class HmacCacheKeys implements CacheKeys {

  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec secret;
  // Mac instances are not thread-safe; one per thread avoids a lock on the hit path.
  private final ThreadLocal<Mac> macs;
  // An edge sees few distinct keys; remembering their hashes takes the HMAC off the hit path.
  private static final int MAX_REMEMBERED_KEYS = 10_000;
  private final Map<String, String> hashes = new ConcurrentHashMap<>();

  public HmacCacheKeys(byte[] secret) {
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          "the cache-key secret must have at least 32 bytes: " + secret.length);
    }
    this.secret = new SecretKeySpec(secret.clone(), ALGORITHM);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(secret);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
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
    key.append(" key=").append(apiKey == null ? "-" : hash(apiKey));
    return new CacheKey(key.toString());
  }

  private String hash(String apiKey) {
    String known = hashes.get(apiKey);
    if (known != null) {
      return known;
    }
    byte[] digest = macs.get().doFinal(apiKey.getBytes(StandardCharsets.UTF_8));
    String hashed = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    if (hashes.size() >= MAX_REMEMBERED_KEYS) {
      hashes.clear(); // a flood of distinct keys: start again rather than grow
    }
    hashes.put(apiKey, hashed);
    return hashed;
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

  private static String nullToEmpty(@org.jspecify.annotations.Nullable String value) {
    return value == null ? "" : value;
  }
}
